"""Numbers, amounts and rates as a language writes them (Babel/CLDR).

Shared by the staff pages (``money`` template filters) and the PDFs, so a figure reads the
same on screen and on paper. Amounts are rounded to the currency's minor unit by core.money
(XOF 0, EUR 2, TND 3) before Babel sees them, so the printed figure is the booked figure.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal, format_percent

from .money import minor_unit, quantize

# Digits stay Latin in Arabic documents (the practice in the Maghreb and on tax forms).
NUMBERING_SYSTEM = "latn"
DEFAULT_LOCALE = "en"


@lru_cache(maxsize=64)
def babel_locale(language: str | None) -> str:
    """A Babel locale for a Django language code ("fr", "en-us", "ar"); "en" when unknown."""
    if not language:
        return DEFAULT_LOCALE
    name = language.replace("-", "_")
    try:
        return str(Locale.parse(name))
    except (UnknownLocaleError, ValueError):
        return DEFAULT_LOCALE


@lru_cache(maxsize=64)
def _amount_pattern(currency: str) -> str:
    decimals = minor_unit(currency)
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def format_money(amount: Decimal, currency: str, language: str) -> str:
    """Amount with its currency sign, e.g. fr ``1 234,56 €``, en ``€1,234.56``."""
    return format_currency(
        quantize(amount, currency), currency, locale=language, numbering_system=NUMBERING_SYSTEM
    )


def format_amount(amount: Decimal, currency: str, language: str) -> str:
    """Amount without sign at the currency's minor unit, for table columns."""
    return format_decimal(
        quantize(amount, currency),
        format=_amount_pattern(currency),
        locale=language,
        numbering_system=NUMBERING_SYSTEM,
    )


def format_unit_price(amount: Decimal, currency: str, language: str) -> str:
    """Unit prices keep up to four decimals (0.0125 €/kWh) but never fewer than the currency's."""
    decimals = minor_unit(currency)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "#" * max(0, 4 - decimals)
    if decimals == 0:
        pattern = "#,##0.####"
    return format_decimal(
        amount, format=pattern, locale=language, numbering_system=NUMBERING_SYSTEM
    )


def format_quantity(quantity: Decimal, language: str) -> str:
    return format_decimal(
        quantity, format="#,##0.####", locale=language, numbering_system=NUMBERING_SYSTEM
    )


def format_rate(rate: Decimal, language: str) -> str:
    """A percentage given in percent (``20`` -> fr ``20 %``, en ``20%``)."""
    fraction = (rate / 100).normalize()
    return format_percent(
        fraction, locale=language, decimal_quantization=False, numbering_system=NUMBERING_SYSTEM
    )
