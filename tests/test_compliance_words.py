"""Amounts in words in the four document languages, with each currency's minor unit."""

from decimal import Decimal

import pytest

from ardoise.compliance.rules import amount_in_words


@pytest.mark.parametrize(
    ("amount", "currency", "language", "words"),
    [
        ("1234.56", "EUR", "fr", "mille deux cent trente-quatre euros et cinquante-six centimes"),
        ("1000000", "EUR", "fr", "un million d'euros"),
        ("1", "EUR", "fr", "un euro"),
        ("80.01", "EUR", "fr", "quatre-vingts euros et un centime"),
        ("15000.50", "DZD", "fr", "quinze mille dinars algériens et cinquante centimes"),
        ("125000", "XOF", "fr", "cent vingt-cinq mille francs CFA"),
        (
            "1234.56",
            "EUR",
            "en",
            "one thousand two hundred and thirty-four euros and fifty-six cents",
        ),
        ("1", "DZD", "en", "one Algerian dinar"),
        ("125000", "XOF", "en", "one hundred and twenty-five thousand CFA francs"),
        (
            "1234.56",
            "EUR",
            "es",
            "mil doscientos treinta y cuatro euros con cincuenta y seis céntimos",
        ),
        ("21", "EUR", "es", "veintiún euros"),
        ("1000000", "EUR", "es", "un millón de euros"),
        ("2500", "DZD", "es", "dos mil quinientos dinares argelinos"),
        ("1", "DZD", "ar", "دينار جزائري واحد"),
        ("2", "DZD", "ar", "ديناران جزائريان"),
        ("5", "DZD", "ar", "خمسة دنانير جزائرية"),
        ("15000.50", "DZD", "ar", "خمسة عشر ألف دينار جزائري و خمسون سنتيماً"),
        ("125000", "XOF", "ar", "مائة و خمسة و عشرون ألف فرنك إفريقي"),
    ],
)
def test_amount_in_words(amount, currency, language, words):
    assert amount_in_words(Decimal(amount), currency, language) == words


def test_rounding_follows_the_currency():
    # XOF has no minor unit: 1000.6 rounds half up to 1001.
    assert amount_in_words(Decimal("1000.6"), "XOF", "fr") == "mille un francs CFA"
    assert amount_in_words(Decimal("0.005"), "EUR", "fr") == "zéro euro et un centime"


def test_negative_and_unknown_language():
    assert amount_in_words(Decimal("-3"), "EUR", "fr") == "moins trois euros"
    assert amount_in_words(Decimal("3"), "EUR", "de") == "three euros"


def test_floats_are_refused():
    with pytest.raises(TypeError):
        amount_in_words(12.5, "EUR", "fr")
