"""Money: Decimal with a currency, rounded half-up to the currency's minor unit."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ardoise.core.money import CurrencyMismatch, Money, minor_unit, quantize, to_decimal

amounts = st.decimals(min_value=-(10**12), max_value=10**12, places=6, allow_nan=False)


@pytest.mark.parametrize(
    ("currency", "places"), [("EUR", 2), ("DZD", 2), ("XOF", 0), ("TND", 3), ("JPY", 0)]
)
def test_minor_units_follow_iso_4217(currency, places):
    assert minor_unit(currency) == places


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.345", "EUR", "2.35"),  # half up, not banker's rounding
        ("2.335", "EUR", "2.34"),
        ("-2.345", "EUR", "-2.35"),
        ("1499.5", "XOF", "1500"),
        ("0.0005", "TND", "0.001"),
    ],
)
def test_quantize_rounds_half_up(amount, currency, expected):
    assert quantize(Decimal(amount), currency) == Decimal(expected)


@given(amounts, st.sampled_from(["EUR", "XOF", "TND"]))
def test_quantize_is_idempotent_and_within_half_a_unit(amount, currency):
    rounded = quantize(amount, currency)
    assert quantize(rounded, currency) == rounded
    assert abs(rounded - amount) <= Decimal(1).scaleb(-minor_unit(currency)) / 2
    assert -rounded.as_tuple().exponent <= minor_unit(currency)


@given(amounts, amounts)
def test_money_addition_is_exact(a, b):
    assert (Money(a, "EUR") + Money(b, "EUR")).amount == a + b


def test_money_refuses_mixing_currencies_and_floats():
    with pytest.raises(CurrencyMismatch):
        Money(Decimal(1), "EUR") + Money(Decimal(1), "DZD")
    with pytest.raises(TypeError):
        Money(1.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown currency"):
        Money(Decimal(1), "EURO")


@pytest.mark.parametrize("bad", ["abc", "", "NaN", "Infinity", "1,5"])
def test_to_decimal_names_what_is_not_a_number(bad):
    with pytest.raises(ValueError):
        to_decimal(bad)


def test_to_decimal_refuses_floats():
    with pytest.raises(TypeError):
        to_decimal(0.1)
    assert to_decimal("0.1") == Decimal("0.1")
