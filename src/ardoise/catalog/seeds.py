"""Tax codes every company of a country starts with, as data.

Each code carries its EN 16931 VAT category (UNCL5305), its rate, and, where the category
states why no VAT is charged (E, AE, K, G, O), the legal text printed on the invoice (BT-120)
and the CEF VATEX code (BT-121). VATEX codes are defined for the EU; Algerian and Nigerien
exemptions only get one where a generic code fits (VATEX-EU-O, "not subject to VAT").
"""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class TaxCodeSeed:
    code: str
    name: str
    category: str
    rate: Decimal
    exemption_reason: str = ""
    exemption_reason_code: str = ""


def _standard(code: str, name: str, rate: str) -> TaxCodeSeed:
    return TaxCodeSeed(code, name, "S", Decimal(rate))


def _zero(code: str, name: str, category: str, reason: str, vatex: str = "") -> TaxCodeSeed:
    return TaxCodeSeed(code, name, category, Decimal(0), reason, vatex)


TAX_CODE_SEEDS: dict[str, tuple[TaxCodeSeed, ...]] = {
    "FR": (
        _standard("FR-S20", "TVA 20 %", "20"),
        _standard("FR-S10", "TVA 10 %", "10"),
        _standard("FR-S55", "TVA 5,5 %", "5.5"),
        _standard("FR-S21", "TVA 2,1 %", "2.1"),
        _zero(
            "FR-E293B",
            "Franchise en base de TVA",
            "E",
            "TVA non applicable, art. 293 B du CGI",
            "VATEX-FR-FRANCHISE",
        ),
        _zero(
            "FR-E261",
            "Exonération de TVA (art. 261 CGI)",
            "E",
            "Exonération de TVA, article 261 du CGI",
            "VATEX-EU-132",
        ),
        _zero(
            "FR-AE",
            "Autoliquidation",
            "AE",
            "Autoliquidation, art. 283-2 du CGI",
            "VATEX-EU-AE",
        ),
        _zero(
            "FR-K",
            "Livraison intracommunautaire",
            "K",
            "Exonération de TVA, article 262 ter I du CGI",
            "VATEX-EU-IC",
        ),
        _zero(
            "FR-G",
            "Exportation hors UE",
            "G",
            "Exonération de TVA, article 262 I du CGI",
            "VATEX-EU-G",
        ),
        _zero(
            "FR-O",
            "Hors champ de la TVA",
            "O",
            "Opération non soumise à la TVA",
            "VATEX-EU-O",
        ),
    ),
    "DZ": (
        _standard("DZ-S19", "TVA 19 %", "19"),
        _standard("DZ-S9", "TVA 9 %", "9"),
        _zero(
            "DZ-E",
            "Exonération de TVA",
            "E",
            "Exonération de TVA, art. 9 du Code des taxes sur le chiffre d'affaires",
        ),
        _zero(
            "DZ-O",
            "Hors champ de la TVA",
            "O",
            "Opération hors du champ d'application de la TVA",
            "VATEX-EU-O",
        ),
    ),
    "ES": (
        _standard("ES-S21", "IVA 21 %", "21"),
        _standard("ES-S10", "IVA 10 %", "10"),
        _standard("ES-S4", "IVA 4 %", "4"),
        _zero(
            "ES-E20",
            "Exento de IVA (art. 20 LIVA)",
            "E",
            "Operación exenta de IVA (art. 20 LIVA)",
            "VATEX-EU-132",
        ),
        _zero(
            "ES-AE",
            "Inversión del sujeto pasivo",
            "AE",
            "Inversión del sujeto pasivo (art. 84.Uno.2º LIVA)",
            "VATEX-EU-AE",
        ),
        _zero(
            "ES-K",
            "Entrega intracomunitaria",
            "K",
            "Entrega intracomunitaria exenta (art. 25 LIVA)",
            "VATEX-EU-IC",
        ),
        _zero(
            "ES-G",
            "Exportación",
            "G",
            "Exportación exenta (art. 21 LIVA)",
            "VATEX-EU-G",
        ),
        _zero(
            "ES-O",
            "No sujeto a IVA",
            "O",
            "Operación no sujeta a IVA",
            "VATEX-EU-O",
        ),
    ),
    "NE": (
        _standard("NE-S19", "TVA taux normal 19 %", "19"),
        _standard("NE-S10", "TVA taux réduit 10 %", "10"),
        _zero(
            "NE-E",
            "Exonéré de TVA",
            "E",
            "Exonéré de TVA, Code général des impôts du Niger",
        ),
        _zero(
            "NE-O",
            "Hors champ de la TVA",
            "O",
            "Opération hors du champ d'application de la TVA",
            "VATEX-EU-O",
        ),
    ),
}


def seeds_for(country: str) -> tuple[TaxCodeSeed, ...]:
    """The tax codes of a country; none for a country not yet served."""
    return TAX_CODE_SEEDS.get(country.upper(), ())
