"""Amounts in words, as Algerian and OHADA invoices print them ("Arrêtée la présente facture
à la somme de …") and cheques and some customers expect.

Numbers come from num2words' cardinals; the currency names and the grammar joining them are
ours, because num2words' own currency forms miss DZD and XOF in most languages, ignore the
currency in Arabic, and write "un million euros" where French needs "un million d'euros".
"""

from dataclasses import dataclass
from decimal import Decimal

from num2words import num2words

from ardoise.core.money import minor_unit, quantize


@dataclass(frozen=True, slots=True)
class CurrencyWords:
    """Names of a currency and of its minor unit in one language.

    Arabic counts nouns by the number's last two digits: `dual` for 2, `plural` for 3-10,
    `accusative` for 11-99, `singular` otherwise."""

    singular: str
    plural: str
    minor_singular: str = ""
    minor_plural: str = ""
    dual: str = ""
    accusative: str = ""
    minor_dual: str = ""
    minor_accusative: str = ""


CURRENCY_WORDS: dict[str, dict[str, CurrencyWords]] = {
    "fr": {
        "EUR": CurrencyWords("euro", "euros", "centime", "centimes"),
        "DZD": CurrencyWords("dinar algérien", "dinars algériens", "centime", "centimes"),
        "XOF": CurrencyWords("franc CFA", "francs CFA"),
        "XAF": CurrencyWords("franc CFA", "francs CFA"),
        "MAD": CurrencyWords("dirham", "dirhams", "centime", "centimes"),
        "TND": CurrencyWords("dinar tunisien", "dinars tunisiens", "millime", "millimes"),
        "USD": CurrencyWords("dollar", "dollars", "cent", "cents"),
        "GBP": CurrencyWords("livre sterling", "livres sterling", "penny", "pence"),
        "CHF": CurrencyWords("franc suisse", "francs suisses", "centime", "centimes"),
    },
    "en": {
        "EUR": CurrencyWords("euro", "euros", "cent", "cents"),
        "DZD": CurrencyWords("Algerian dinar", "Algerian dinars", "centime", "centimes"),
        "XOF": CurrencyWords("CFA franc", "CFA francs"),
        "XAF": CurrencyWords("CFA franc", "CFA francs"),
        "MAD": CurrencyWords("dirham", "dirhams", "centime", "centimes"),
        "TND": CurrencyWords("Tunisian dinar", "Tunisian dinars", "millime", "millimes"),
        "USD": CurrencyWords("dollar", "dollars", "cent", "cents"),
        "GBP": CurrencyWords("pound sterling", "pounds sterling", "penny", "pence"),
        "CHF": CurrencyWords("Swiss franc", "Swiss francs", "centime", "centimes"),
    },
    "es": {
        "EUR": CurrencyWords("euro", "euros", "céntimo", "céntimos"),
        "DZD": CurrencyWords("dinar argelino", "dinares argelinos", "céntimo", "céntimos"),
        "XOF": CurrencyWords("franco CFA", "francos CFA"),
        "XAF": CurrencyWords("franco CFA", "francos CFA"),
        "MAD": CurrencyWords("dírham", "dírhams", "céntimo", "céntimos"),
        "TND": CurrencyWords("dinar tunecino", "dinares tunecinos", "milésimo", "milésimos"),
        "USD": CurrencyWords("dólar", "dólares", "centavo", "centavos"),
        "GBP": CurrencyWords("libra esterlina", "libras esterlinas", "penique", "peniques"),
        "CHF": CurrencyWords("franco suizo", "francos suizos", "céntimo", "céntimos"),
    },
    "ar": {
        "EUR": CurrencyWords("يورو", "يورو", "سنت", "سنتات", "يورو", "يورو", "سنتان", "سنتاً"),
        "DZD": CurrencyWords(
            "دينار جزائري",
            "دنانير جزائرية",
            "سنتيم",
            "سنتيمات",
            "ديناران جزائريان",
            "ديناراً جزائرياً",
            "سنتيمان",
            "سنتيماً",
        ),
        "XOF": CurrencyWords(
            "فرنك إفريقي", "فرنكات إفريقية", dual="فرنكان إفريقيان", accusative="فرنكاً إفريقياً"
        ),
        "XAF": CurrencyWords(
            "فرنك إفريقي", "فرنكات إفريقية", dual="فرنكان إفريقيان", accusative="فرنكاً إفريقياً"
        ),
        "MAD": CurrencyWords(
            "درهم", "دراهم", "سنتيم", "سنتيمات", "درهمان", "درهماً", "سنتيمان", "سنتيماً"
        ),
        "TND": CurrencyWords(
            "دينار تونسي",
            "دنانير تونسية",
            "مليم",
            "مليمات",
            "ديناران تونسيان",
            "ديناراً تونسياً",
            "مليمان",
            "مليماً",
        ),
        "USD": CurrencyWords(
            "دولار", "دولارات", "سنت", "سنتات", "دولاران", "دولاراً", "سنتان", "سنتاً"
        ),
    },
}

LANGUAGES = ("fr", "en", "es", "ar")
MINUS = {"fr": "moins", "en": "minus", "es": "menos", "ar": "سالب"}
AND_MINOR = {"fr": "et", "en": "and", "es": "con", "ar": "و"}
ONE_AR = "واحد"


def _cardinal(number: int, language: str) -> str:
    words = num2words(number, lang=language)
    if language == "en":
        words = words.replace(",", "")
    return words


def _count_fr(number: int, singular: str, plural: str) -> str:
    words = _cardinal(number, "fr")
    if number < 2:
        return f"{words} {singular}"
    # "un million d'euros", "deux milliards de francs CFA"
    if number and number % 1_000_000 == 0:
        linker = "d'" if plural[0] in "aeéèêiîouyh" else "de "
        return f"{words} {linker}{plural}"
    return f"{words} {plural}"


def _count_en(number: int, singular: str, plural: str) -> str:
    return f"{_cardinal(number, 'en')} {singular if number == 1 else plural}"


def _count_es(number: int, singular: str, plural: str) -> str:
    words = _cardinal(number, "es")
    # Before a masculine noun "uno" shortens: "un euro", "veintiún euros", "ciento un euros".
    if words.endswith("veintiuno"):
        words = words[: -len("veintiuno")] + "veintiún"
    elif words.endswith("uno"):
        words = words[: -len("uno")] + "un"
    if number == 1:
        return f"{words} {singular}"
    if number and number % 1_000_000 == 0:
        return f"{words} de {plural}"
    return f"{words} {plural}"


def _count_ar(number: int, forms: tuple[str, str, str, str]) -> str:
    singular, plural, dual, accusative = forms
    if number == 1:
        return f"{singular} {ONE_AR}"
    if number == 2:
        return dual or singular
    last_two = number % 100
    words = _cardinal(number, "ar")
    if 3 <= last_two <= 10:
        return f"{words} {plural}"
    if 11 <= last_two <= 99:
        return f"{words} {accusative or singular}"
    return f"{words} {singular}"


def _count(number: int, language: str, major: bool, names: CurrencyWords) -> str:
    if language == "ar":
        forms = (
            (names.singular, names.plural, names.dual, names.accusative)
            if major
            else (
                names.minor_singular,
                names.minor_plural,
                names.minor_dual,
                names.minor_accusative,
            )
        )
        return _count_ar(number, forms)
    singular, plural = (
        (names.singular, names.plural) if major else (names.minor_singular, names.minor_plural)
    )
    counter = {"fr": _count_fr, "en": _count_en, "es": _count_es}[language]
    return counter(number, singular, plural)


def _fallback_names(currency: str, language: str) -> CurrencyWords:
    default = CURRENCY_WORDS[language].get("USD") or CURRENCY_WORDS["en"]["USD"]
    return CurrencyWords(
        currency,
        currency,
        default.minor_singular,
        default.minor_plural,
        currency,
        currency,
        default.minor_dual,
        default.minor_accusative,
    )


def amount_in_words(amount: Decimal, currency: str, language: str) -> str:
    """The amount, rounded to the currency's minor unit, in words:
    `amount_in_words(Decimal("1234.56"), "EUR", "fr")` →
    "mille deux cent trente-quatre euros et cinquante-six centimes". XOF has no minor unit;
    a zero minor part is left out ("cent euros")."""
    if not isinstance(amount, Decimal):
        raise TypeError("amount_in_words needs a Decimal amount")
    language = language[:2].lower()
    if language not in LANGUAGES:
        language = "en"
    currency = currency.upper()
    names = CURRENCY_WORDS[language].get(currency) or _fallback_names(currency, language)
    rounded = quantize(amount, currency)
    negative = rounded < 0
    rounded = abs(rounded)
    units = int(rounded)
    decimals = minor_unit(currency)
    minor = int((rounded - units).scaleb(decimals))
    text = _count(units, language, True, names)
    if minor and names.minor_singular:
        text = f"{text} {AND_MINOR[language]} {_count(minor, language, False, names)}"
    return f"{MINUS[language]} {text}" if negative else text
