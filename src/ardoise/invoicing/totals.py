"""Invoice totals per EN 16931, as pure functions over frozen value objects (no ORM).

The order of the calculation is the standard's, and it must stay so because the rounding
differs otherwise:

1. each line net amount (BT-131) = quantity × unit price × (1 − discount / 100), rounded to
   the currency's minor unit, half up;
2. the lines are grouped by VAT category and rate (BG-23): the taxable amount (BT-116) is the
   sum of the line nets of the group, the VAT (BT-117) is the taxable amount × rate / 100,
   rounded once per group (never per line);
3. total net (BT-109) = Σ line nets, total VAT (BT-110) = Σ group VAT, total (BT-112) =
   net + VAT.

A `Totals` that breaks one of these equalities cannot be built.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ardoise.core.money import MAX_AMOUNT, quantize

MAX_QUANTITY = Decimal(10) ** 9
MAX_UNIT_PRICE = Decimal(10) ** 12
INPUT_PLACES = 4  # quantities, prices, discounts and rates are stored with four decimals
HUNDRED = Decimal(100)


class TotalsInputError(ValueError):
    """A line breaks an input rule. `index` is the line's position in the input (0-based),
    `field` the line attribute and `rule` a stable machine-readable name."""

    def __init__(self, message: str, *, index: int | None, field: str, rule: str):
        super().__init__(message)
        self.index = index
        self.field = field
        self.rule = rule


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _check_decimal(value: object, index: int | None, field: str) -> Decimal:
    if not isinstance(value, Decimal):
        raise TotalsInputError(
            f"{field} must be a Decimal, not {type(value).__name__}",
            index=index,
            field=field,
            rule="decimal",
        )
    if not value.is_finite():
        raise TotalsInputError(
            f"{field} must be a finite number", index=index, field=field, rule="finite"
        )
    return value


@dataclass(frozen=True, slots=True)
class LineInput:
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    tax_category: str
    tax_rate: Decimal
    exemption_reason: str = ""

    def __post_init__(self) -> None:
        self.validate(None)

    def validate(self, index: int | None) -> None:
        """Refuse inputs the database cannot hold or that make no business sense."""
        quantity = _check_decimal(self.quantity, index, "quantity")
        price = _check_decimal(self.unit_price, index, "unit_price")
        discount = _check_decimal(self.discount_percent, index, "discount_percent")
        rate = _check_decimal(self.tax_rate, index, "tax_rate")

        def fail(field: str, rule: str, message: str) -> None:
            raise TotalsInputError(message, index=index, field=field, rule=rule)

        if quantity == 0:
            fail("quantity", "non_zero", "quantity must not be zero")
        if abs(quantity) > MAX_QUANTITY:
            fail("quantity", "max_value", "quantity must be at most 10^9 in absolute value")
        if price < 0:
            fail("unit_price", "min_value", "unit price must not be negative")
        if price > MAX_UNIT_PRICE:
            fail("unit_price", "max_value", "unit price must be at most 10^12")
        if not 0 <= discount <= HUNDRED:
            fail("discount_percent", "range", "discount must be between 0 and 100 %")
        if not 0 <= rate <= HUNDRED:
            fail("tax_rate", "range", "tax rate must be between 0 and 100 %")
        for field, value in (
            ("quantity", quantity),
            ("unit_price", price),
            ("discount_percent", discount),
            ("tax_rate", rate),
        ):
            if _places(value) > INPUT_PLACES:
                fail(field, "max_decimal_places", f"{field} must have at most 4 decimals")
        if not self.tax_category:
            fail("tax_category", "required", "tax category is required")

    def net_amount(self, currency: str) -> Decimal:
        gross = self.quantity * self.unit_price
        return quantize(gross * (HUNDRED - self.discount_percent) / HUNDRED, currency)


@dataclass(frozen=True, slots=True)
class TaxSubtotal:
    """One line of the VAT breakdown (EN 16931 BG-23)."""

    category: str
    rate: Decimal
    taxable_amount: Decimal
    tax_amount: Decimal
    exemption_reason: str = ""

    def as_json(self) -> dict[str, str]:
        return {
            "category": self.category,
            "rate": plain(self.rate),
            "taxable_amount": format(self.taxable_amount, "f"),
            "tax_amount": format(self.tax_amount, "f"),
            "exemption_reason": self.exemption_reason,
        }


@dataclass(frozen=True, slots=True)
class Totals:
    lines_net: tuple[Decimal, ...]
    tax_breakdown: tuple[TaxSubtotal, ...]
    total_net: Decimal
    total_tax: Decimal
    total: Decimal

    def __post_init__(self) -> None:
        if self.total_net + self.total_tax != self.total:
            raise ValueError("totals are broken: net + tax != total")
        if sum(self.lines_net, Decimal(0)) != self.total_net:
            raise ValueError("totals are broken: Σ line nets != total net")
        if sum((g.taxable_amount for g in self.tax_breakdown), Decimal(0)) != self.total_net:
            raise ValueError("totals are broken: Σ taxable amounts != total net")
        if sum((g.tax_amount for g in self.tax_breakdown), Decimal(0)) != self.total_tax:
            raise ValueError("totals are broken: Σ group taxes != total tax")

    def breakdown_json(self) -> list[dict[str, str]]:
        return [group.as_json() for group in self.tax_breakdown]


def plain(value: Decimal) -> str:
    """A decimal without trailing zeros nor exponent: 20.0000 -> "20", 5.50 -> "5.5"."""
    normalized = value.normalize()
    if normalized == 0:
        return "0"
    return format(normalized, "f")


def compute_totals(lines: Iterable[LineInput], currency: str) -> Totals:
    """The EN 16931 totals of the lines, in `currency` (ISO 4217).

    Raises TotalsInputError (a ValueError) naming the line and the rule when an input or a
    resulting amount is out of bounds.
    """
    quantize(Decimal(0), currency)  # refuses an unknown currency
    lines = tuple(lines)
    nets: list[Decimal] = []
    groups: dict[tuple[str, Decimal], list] = {}
    for index, line in enumerate(lines):
        line.validate(index)
        net = line.net_amount(currency)
        if abs(net) > MAX_AMOUNT:
            raise TotalsInputError(
                "line net amount exceeds the largest amount that can be stored",
                index=index,
                field="quantity",
                rule="amount_too_large",
            )
        nets.append(net)
        key = (line.tax_category, line.tax_rate.normalize())
        group = groups.setdefault(key, [Decimal(0), set()])
        group[0] += net
        if line.exemption_reason:
            group[1].add(line.exemption_reason)
    breakdown = tuple(
        TaxSubtotal(
            category=category,
            rate=rate,
            taxable_amount=taxable,
            tax_amount=quantize(taxable * rate / HUNDRED, currency),
            exemption_reason="; ".join(sorted(reasons)),
        )
        # Sorted, so that the order of the lines never changes the breakdown.
        for (category, rate), (taxable, reasons) in sorted(groups.items())
    )
    total_net = sum(nets, Decimal(0))
    total_tax = sum((group.tax_amount for group in breakdown), Decimal(0))
    total = total_net + total_tax
    if abs(total) > MAX_AMOUNT or abs(total_net) > MAX_AMOUNT:
        raise TotalsInputError(
            "the invoice total exceeds the largest amount that can be stored",
            index=None,
            field="total",
            rule="amount_too_large",
        )
    return Totals(
        lines_net=tuple(nets),
        tax_breakdown=breakdown,
        total_net=total_net,
        total_tax=total_tax,
        total=total,
    )
