"""Money: Decimal amounts with an ISO 4217 currency. This module owns rounding and field sizes.

Amounts are quantized to the currency's minor unit (EUR 2, DZD 2, XOF 0, TND 3) with
half-up rounding, the commercial rule used on invoices in all our jurisdictions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from babel.numbers import get_currency_precision, list_currencies

# Database field sizes, shared by every model that stores money or quantities.
AMOUNT_MAX_DIGITS = 19
AMOUNT_DECIMAL_PLACES = 4
QUANTITY_MAX_DIGITS = 19
QUANTITY_DECIMAL_PLACES = 4
RATE_MAX_DIGITS = 7
RATE_DECIMAL_PLACES = 4
# Largest absolute amount any stored amount may reach (15 integer digits).
MAX_AMOUNT = Decimal("999999999999999")
FOUR_PLACES = Decimal("0.0001")


class CurrencyMismatch(ValueError):
    pass


@cache
def known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    return code in known_currencies()


@cache
def minor_unit(currency: str) -> int:
    """Number of decimals of the currency (ISO 4217 minor unit)."""
    if not is_currency(currency):
        raise ValueError(f"unknown currency {currency!r}")
    return get_currency_precision(currency)


@cache
def _exponent(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit, half up."""
    return amount.quantize(_exponent(currency), rounding=ROUND_HALF_UP)


def to_decimal(value: object) -> Decimal:
    """Parse a user-given number; refuses floats (binary fractions are not money)."""
    if isinstance(value, float):
        raise TypeError("money and quantities must not be floats")
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value).strip())
        except (InvalidOperation, ValueError) as error:
            raise ValueError(f"{value!r} is not a number") from error
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal")
        if not is_currency(self.currency):
            raise ValueError(f"unknown currency {self.currency!r}")

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def quantized(self) -> Money:
        return Money(quantize(self.amount, self.currency), self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)
