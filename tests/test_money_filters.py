"""The `money` template filters: amounts, prices and quantities in the active language.

Babel/CLDR decides the separators; the expected strings are exactly what it prints (fr groups
with a narrow no-break space U+202F and puts a no-break space U+00A0 before the sign).
"""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from ardoise.core.formatting import babel_locale
from ardoise.core.templatetags.money import amount, money, quantity, unit_price

NNBSP = "\u202f"  # narrow no-break space: fr group separator
NBSP = "\xa0"  # no-break space: between figure and sign
RLM = "\u200f"  # right-to-left mark CLDR puts before Arabic numbers


def in_language(language, function, *args):
    with translation.override(language):
        return function(*args)


@pytest.mark.parametrize(
    ("language", "expected_money", "expected_amount"),
    [
        ("en", "€1,234.50", "1,234.50"),
        ("fr", f"1{NNBSP}234,50{NBSP}€", f"1{NNBSP}234,50"),
        ("es", f"1.234,50{NBSP}€", "1.234,50"),
        ("ar", f"{RLM}1,234.50{NBSP}€", "1,234.50"),
    ],
)
def test_euros_in_each_language(language, expected_money, expected_amount):
    value = Decimal("1234.5")
    assert in_language(language, money, value, "EUR") == expected_money
    assert in_language(language, amount, value, "EUR") == expected_amount


def test_arabic_keeps_latin_digits_like_the_pdfs():
    text = in_language("ar", money, Decimal("1234567.891"), "DZD")
    assert text == f"{RLM}1,234,567.89{NBSP}د.ج.{RLM}"
    assert not any("\u0660" <= char <= "\u0669" for char in text)  # no Arabic-Indic digits


def test_amounts_are_rounded_half_up_to_the_minor_unit():
    assert in_language("en", amount, Decimal("2.345"), "EUR") == "2.35"
    assert in_language("en", amount, Decimal("408.0000"), "EUR") == "408.00"


def test_xof_has_no_decimals():
    assert in_language("fr", money, Decimal("1499.5"), "XOF") == f"1{NNBSP}500{NBSP}F{NNBSP}CFA"
    assert in_language("en", amount, Decimal("1234567.4"), "XOF") == "1,234,567"


def test_tnd_has_three_decimals():
    assert in_language("fr", money, Decimal("1234.5"), "TND") == f"1{NNBSP}234,500{NBSP}TND"
    assert in_language("en", amount, Decimal("0.0005"), "TND") == "0.001"


def test_strings_from_json_snapshots_are_formatted():
    assert in_language("fr", amount, "500.00", "EUR") == "500,00"
    assert in_language("en", money, "-12.5", "EUR") == "-€12.50"


@pytest.mark.parametrize("empty", [None, ""])
def test_empty_values_print_a_dash(empty):
    for function in (money, amount, unit_price):
        assert in_language("fr", function, empty, "EUR") == "—"
    assert in_language("fr", quantity, empty) == "—"


def test_quantities_drop_trailing_zeros():
    assert in_language("en", quantity, Decimal("1.5000")) == "1.5"
    assert in_language("en", quantity, Decimal("2.0000")) == "2"
    assert in_language("en", quantity, Decimal("1234.25")) == "1,234.25"
    assert in_language("fr", quantity, Decimal("1234.25")) == f"1{NNBSP}234,25"
    assert in_language("ar", quantity, Decimal("5.5")) == "5.5"


def test_unit_prices_keep_their_extra_decimals():
    assert in_language("en", unit_price, Decimal("0.0125"), "EUR") == "0.0125"
    assert in_language("en", unit_price, Decimal("80.0000"), "EUR") == "80.00"
    assert in_language("fr", unit_price, Decimal("1250"), "XOF") == f"1{NNBSP}250"


def test_unknown_currency_still_prints_the_figure():
    assert in_language("en", money, Decimal("12.5"), "") == "12.5"
    assert in_language("en", amount, Decimal("12.5"), "???") == "12.5"


def test_django_language_codes_map_to_babel_locales():
    assert babel_locale("fr") == "fr"
    assert babel_locale("en-us") == "en_US"
    assert babel_locale("ar") == "ar"
    assert babel_locale(None) == "en"
    assert babel_locale("xx-nowhere") == "en"


def test_filters_load_in_templates():
    template = Template(
        "{% load money %}{{ total|money:currency }}|{{ total|amount:currency }}|{{ q|quantity }}"
    )
    context = Context({"total": Decimal("1234.5"), "currency": "EUR", "q": Decimal("3.0000")})
    with translation.override("fr"):
        assert template.render(context) == f"1{NNBSP}234,50{NBSP}€|1{NNBSP}234,50|3"
