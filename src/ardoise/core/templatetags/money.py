"""Money, amounts and quantities on the staff pages, in the active language.

    {% load money %}
    {{ invoice.total|money:invoice.currency }}   en "€1,234.50", fr "1 234,50 €"
    {{ line.net_amount|amount:invoice.currency }}  en "1,234.50", fr "1 234,50" (table cells)
    {{ line.unit_price|unit_price:invoice.currency }}  the currency's decimals, up to four
    {{ line.quantity|quantity }}                 en "1,234.5", no trailing zeros

The formatting is core.formatting's, the same as on the PDFs: CLDR patterns through Babel,
amounts rounded to the currency's minor unit by core.money, Latin digits in every language.
Empty values (None, "") print as an em dash. Only for displayed text: form inputs keep
plain machine numbers ("80.00").
"""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import get_language

from ardoise.core.formatting import (
    babel_locale,
    format_amount,
    format_money,
    format_quantity,
    format_unit_price,
)
from ardoise.core.money import to_decimal

register = template.Library()

EMPTY = "—"


def _decimal(value: object) -> Decimal | None:
    """The value as a Decimal (JSON snapshots hold strings), or None when it is not a number."""
    if isinstance(value, float):
        value = repr(value)
    try:
        return to_decimal(value)
    except (TypeError, ValueError):
        return None


def _empty(value: object) -> bool:
    return value is None or value == ""


def _language() -> str:
    return babel_locale(get_language())


@register.filter
def money(value: object, currency: str = "") -> str:
    """The amount with its currency sign, rounded to the currency's minor unit."""
    return _formatted(value, currency, format_money, with_code=True)


@register.filter
def amount(value: object, currency: str = "") -> str:
    """The amount without the currency sign, for table cells."""
    return _formatted(value, currency, format_amount)


@register.filter
def unit_price(value: object, currency: str = "") -> str:
    """A unit price: at least the currency's decimals, up to four when it has them."""
    return _formatted(value, currency, format_unit_price)


def _formatted(value: object, currency: object, formatter, *, with_code: bool = False) -> str:
    """Format with the active language; an unknown or missing currency falls back to the
    bare figure (followed by the code as given, for `money`)."""
    if _empty(value):
        return EMPTY
    number = _decimal(value)
    if number is None:
        return str(value)
    language = _language()
    try:
        return formatter(number, str(currency), language)
    except ValueError:
        figure = format_quantity(number, language)
        return f"{figure} {currency}".strip() if with_code else figure


@register.filter
def quantity(value: object) -> str:
    """A quantity or a rate without trailing zeros: 1.5000 -> "1.5", fr "1,5"."""
    if _empty(value):
        return EMPTY
    number = _decimal(value)
    if number is None:
        return str(value)
    return format_quantity(number, _language())
