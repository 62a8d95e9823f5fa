"""Legal mentions each jurisdiction requires on invoices, as text tables by country, mention
and document language.

The texts are those of the document, not of the user interface: they are chosen by the
document's language (falling back to the country's own language, then English) and never by
the reader's session, so they are not gettext strings.

- France: CGI art. 242 nonies A (annex II) and Code de commerce L441-9, L441-10 and D441-5.
- Algeria: décret exécutif 05-468 (NIF, NIS, RC, article d'imposition); the amount in words
  is added by the document through `amount_in_words`.
- Spain: Real Decreto 1619/2012 (Reglamento de facturación), art. 6.
- OHADA zone (Niger, ...): Acte uniforme relatif au droit commercial général (RCCM) and the
  national tax codes (NIF).
"""

import datetime
from typing import Any

from babel.dates import format_date

OHADA_COUNTRIES = frozenset(
    {
        "BJ",
        "BF",
        "CM",
        "CF",
        "KM",
        "CG",
        "CD",
        "CI",
        "GA",
        "GN",
        "GW",
        "GQ",
        "ML",
        "NE",
        "SN",
        "TD",
        "TG",
    }
)
LANGUAGES = ("fr", "en", "es", "ar")

# Mentions shared by every pack.
COMMON: dict[str, dict[str, str]] = {
    "company_form": {
        "fr": "%(legal_name)s, %(legal_form)s au capital de %(share_capital)s",
        "en": "%(legal_name)s, %(legal_form)s with a share capital of %(share_capital)s",
        "es": "%(legal_name)s, %(legal_form)s con un capital social de %(share_capital)s",
        "ar": "%(legal_name)s، %(legal_form)s برأس مال قدره %(share_capital)s",
    },
    "due_date": {
        "fr": "Date d'échéance du paiement : %(date)s",
        "en": "Payment due date: %(date)s",
        "es": "Fecha de vencimiento del pago: %(date)s",
        "ar": "تاريخ استحقاق الدفع: %(date)s",
    },
    "reverse_charge": {
        "fr": "Autoliquidation",
        "en": "Reverse charge",
        "es": "Inversión del sujeto pasivo",
        "ar": "التحصيل العكسي للضريبة (Autoliquidation)",
    },
}

PACKS: dict[str, dict[str, dict[str, str]]] = {
    "FR": {
        "rcs": {
            "fr": "RCS %(rcs)s %(siren)s",
            "en": "Registered with the RCS of %(rcs)s under number %(siren)s",
            "es": "Inscrita en el RCS de %(rcs)s con el número %(siren)s",
            "ar": "مسجلة في سجل التجارة والشركات %(rcs)s تحت رقم %(siren)s",
        },
        "siren": {
            "fr": "SIREN : %(siren)s",
            "en": "SIREN: %(siren)s",
            "es": "SIREN: %(siren)s",
            "ar": "رقم SIREN: %(siren)s",
        },
        "vat": {
            "fr": "N° de TVA intracommunautaire : %(value)s",
            "en": "VAT number: %(value)s",
            "es": "NIF-IVA intracomunitario: %(value)s",
            "ar": "رقم التعريف في ضريبة القيمة المضافة: %(value)s",
        },
        "buyer_vat": {
            "fr": "N° de TVA intracommunautaire du client : %(value)s",
            "en": "Customer's VAT number: %(value)s",
            "es": "NIF-IVA del cliente: %(value)s",
            "ar": "رقم التعريف الضريبي للزبون: %(value)s",
        },
        "vat_on_debits": {
            "fr": "Option pour le paiement de la taxe d'après les débits",
            "en": "VAT paid on debits (option pour le paiement de la taxe d'après les débits)",
            "es": "Opción por el pago del impuesto según los cargos (débits)",
            "ar": "خيار دفع الضريبة حسب القيود المدينة (débits)",
        },
        "late_penalty": {
            "fr": "En cas de retard de paiement, des pénalités de retard sont exigibles au taux de %(rate)s (art. L441-10 du Code de commerce).",
            "en": "Late payment penalties are due at %(rate)s (French Commercial Code, art. L441-10).",
            "es": "En caso de demora en el pago se devengarán penalizaciones al tipo de %(rate)s (art. L441-10 del Código de Comercio francés).",
            "ar": "في حالة التأخر في الدفع، تستحق غرامات تأخير بمعدل %(rate)s (المادة L441-10 من القانون التجاري الفرنسي).",
        },
        "late_penalty_default_rate": {
            "fr": "la BCE à son opération de refinancement la plus récente majoré de 10 points",
            "en": "the ECB's most recent refinancing rate plus 10 percentage points",
            "es": "refinanciación más reciente del BCE incrementado en 10 puntos",
            "ar": "سعر إعادة التمويل الأخير للبنك المركزي الأوروبي مضافاً إليه 10 نقاط",
        },
        "recovery_indemnity": {
            "fr": "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 € (art. L441-10 et D441-5 du Code de commerce).",
            "en": "Fixed compensation for recovery costs in case of late payment: €40 (French Commercial Code, art. L441-10 and D441-5).",
            "es": "Indemnización fija por costes de cobro en caso de demora en el pago: 40 € (arts. L441-10 y D441-5 del Código de Comercio francés).",
            "ar": "تعويض جزافي عن مصاريف التحصيل في حالة التأخر في الدفع: 40 يورو (المادتان L441-10 وD441-5 من القانون التجاري الفرنسي).",
        },
        "no_discount": {
            "fr": "Pas d'escompte pour paiement anticipé.",
            "en": "No discount for early payment.",
            "es": "Sin descuento por pronto pago.",
            "ar": "لا يمنح أي خصم على الدفع المسبق.",
        },
        "terms": {
            "fr": "En cas de retard de paiement, des pénalités au taux de refinancement de la BCE majoré de 10 points sont exigibles, ainsi qu'une indemnité forfaitaire pour frais de recouvrement de 40 € (art. L441-10 et D441-5 du Code de commerce). Pas d'escompte pour paiement anticipé.",
            "en": "Late payment penalties at the ECB refinancing rate plus 10 percentage points are due, together with a fixed compensation of €40 for recovery costs (French Commercial Code, art. L441-10 and D441-5). No discount for early payment.",
            "es": "En caso de demora en el pago se devengarán penalizaciones al tipo de refinanciación del BCE incrementado en 10 puntos y una indemnización fija de 40 € por costes de cobro (arts. L441-10 y D441-5 del Código de Comercio francés). Sin descuento por pronto pago.",
            "ar": "في حالة التأخر في الدفع، تستحق غرامات بمعدل إعادة التمويل للبنك المركزي الأوروبي مضافاً إليه 10 نقاط، وتعويض جزافي قدره 40 يورو عن مصاريف التحصيل (المادتان L441-10 وD441-5 من القانون التجاري الفرنسي). لا خصم على الدفع المسبق.",
        },
    },
    "DZ": {
        "nif": {
            "fr": "NIF : %(value)s",
            "en": "Tax identification number (NIF): %(value)s",
            "es": "Número de identificación fiscal (NIF): %(value)s",
            "ar": "رقم التعريف الجبائي (NIF): %(value)s",
        },
        "nis": {
            "fr": "NIS : %(value)s",
            "en": "Statistical identification number (NIS): %(value)s",
            "es": "Número de identificación estadística (NIS): %(value)s",
            "ar": "رقم التعريف الإحصائي (NIS): %(value)s",
        },
        "rc": {
            "fr": "RC : %(value)s",
            "en": "Trade register (RC): %(value)s",
            "es": "Registro de comercio (RC): %(value)s",
            "ar": "رقم السجل التجاري (RC): %(value)s",
        },
        "ai": {
            "fr": "Article d'imposition (AI) : %(value)s",
            "en": "Tax article number (AI): %(value)s",
            "es": "Artículo de imposición (AI): %(value)s",
            "ar": "رقم المادة الجبائية (AI): %(value)s",
        },
        "terms": {
            "fr": "Paiement à l'échéance indiquée sur la facture.",
            "en": "Payment due by the date shown on the invoice.",
            "es": "Pago a la fecha de vencimiento indicada en la factura.",
            "ar": "يتم الدفع في تاريخ الاستحقاق المبين في الفاتورة.",
        },
    },
    "ES": {
        "nif": {
            "fr": "NIF : %(value)s",
            "en": "Tax ID (NIF): %(value)s",
            "es": "NIF: %(value)s",
            "ar": "رقم التعريف الضريبي (NIF): %(value)s",
        },
        "registro_mercantil": {
            "fr": "Inscrite au Registre du commerce : %(value)s",
            "en": "Registered in the Commercial Registry: %(value)s",
            "es": "Inscrita en el Registro Mercantil: %(value)s",
            "ar": "مسجلة في السجل التجاري: %(value)s",
        },
        "buyer_nif": {
            "fr": "NIF du client : %(value)s",
            "en": "Customer's tax ID (NIF): %(value)s",
            "es": "NIF del destinatario: %(value)s",
            "ar": "رقم التعريف الضريبي للزبون (NIF): %(value)s",
        },
        "terms": {
            "fr": "En cas de retard de paiement, les intérêts de retard et l'indemnité pour frais de recouvrement de la loi 3/2004 sont exigibles.",
            "en": "Late payment interest and compensation for recovery costs under Law 3/2004 are due on late payment.",
            "es": "En caso de demora en el pago se devengarán los intereses de demora y la indemnización por costes de cobro previstos en la Ley 3/2004.",
            "ar": "في حالة التأخر في الدفع، تستحق فوائد التأخير والتعويض عن مصاريف التحصيل المنصوص عليها في القانون 3/2004.",
        },
    },
    "OHADA": {
        "rccm": {
            "fr": "RCCM : %(value)s",
            "en": "Trade and Personal Property Credit Register (RCCM): %(value)s",
            "es": "Registro de Comercio y Crédito Mobiliario (RCCM): %(value)s",
            "ar": "السجل التجاري والقرض المنقول (RCCM): %(value)s",
        },
        "nif": {
            "fr": "NIF : %(value)s",
            "en": "Tax identification number (NIF): %(value)s",
            "es": "Número de identificación fiscal (NIF): %(value)s",
            "ar": "رقم التعريف الجبائي (NIF): %(value)s",
        },
        "terms": {
            "fr": "Paiement à l'échéance indiquée sur la facture.",
            "en": "Payment due by the date shown on the invoice.",
            "es": "Pago a la fecha de vencimiento indicada en la factura.",
            "ar": "يتم الدفع في تاريخ الاستحقاق المبين في الفاتورة.",
        },
    },
}

# The identifiers each pack prints, in order, after the company's identity.
PRINTED_IDENTIFIERS = {
    "DZ": ("nif", "nis", "rc", "ai"),
    "ES": ("nif", "registro_mercantil"),
    "OHADA": ("rccm", "nif"),
}
# Identifiers stored under another scheme that can stand in for the printed one.
STAND_INS = {"nif": ("nif", "cif", "nie"), "siren": ("siren",)}


def pack_name(country: str) -> str:
    country = (country or "").upper()
    return "OHADA" if country in OHADA_COUNTRIES else country


def _text(table: dict[str, str], language: str) -> str:
    return table.get(language) or table.get("fr") or table["en"]


def _identifier(identifiers: dict, scheme: str) -> str:
    for candidate in STAND_INS.get(scheme, (scheme,)):
        value = str(identifiers.get(candidate) or "").strip()
        if value:
            return value
    if scheme == "siren":
        return str(identifiers.get("siret") or "").strip()[:9]
    return ""


def _language(language: str) -> str:
    language = (language or "fr")[:2].lower()
    return language if language in LANGUAGES else "en"


def _identity(seller: dict, language: str) -> list[str]:
    legal_form = seller.get("legal_form") or ""
    share_capital = seller.get("share_capital") or ""
    if not (legal_form and share_capital):
        return []
    values = {
        "legal_name": seller.get("legal_name", ""),
        "legal_form": legal_form,
        "share_capital": share_capital,
    }
    return [_text(COMMON["company_form"], language) % values]


def _france_registrations(seller: dict, buyer: dict, language: str, categories: set) -> list:
    pack = PACKS["FR"]
    identifiers = seller.get("identifiers") or {}
    siren = _identifier(identifiers, "siren")
    rcs = str(identifiers.get("rcs") or "").strip()
    mentions = []
    if siren and rcs:
        mentions.append(_text(pack["rcs"], language) % {"rcs": rcs, "siren": siren})
    elif siren:
        mentions.append(_text(pack["siren"], language) % {"siren": siren})
    if identifiers.get("vat"):
        mentions.append(_text(pack["vat"], language) % {"value": identifiers["vat"]})
    buyer_vat = (buyer.get("identifiers") or {}).get("vat")
    if buyer_vat and categories & {"K", "AE"}:
        mentions.append(_text(pack["buyer_vat"], language) % {"value": buyer_vat})
    if seller.get("vat_on_debits"):
        mentions.append(_text(pack["vat_on_debits"], language))
    return mentions


def _france_payment_terms(seller: dict, buyer: dict, language: str) -> list[str]:
    """L441-10: the late-payment penalty rate, the EUR 40 recovery indemnity between
    businesses, and the early-payment discount (or that there is none)."""
    pack = PACKS["FR"]
    rate = seller.get("late_penalty_rate") or _text(pack["late_penalty_default_rate"], language)
    mentions = [_text(pack["late_penalty"], language) % {"rate": rate}]
    if buyer.get("is_business", True):
        mentions.append(_text(pack["recovery_indemnity"], language))
    mentions.append(seller.get("early_payment_discount") or _text(pack["no_discount"], language))
    return mentions


def _printed_identifiers(pack: str, seller: dict, language: str) -> list[str]:
    identifiers = seller.get("identifiers") or {}
    mentions = []
    for scheme in PRINTED_IDENTIFIERS.get(pack, ()):
        value = _identifier(identifiers, scheme)
        if value:
            mentions.append(_text(PACKS[pack][scheme], language) % {"value": value})
    return mentions


def _spain_buyer(buyer: dict, language: str) -> list[str]:
    value = _identifier(buyer.get("identifiers") or {}, "nif") or (
        buyer.get("identifiers") or {}
    ).get("vat")
    return [_text(PACKS["ES"]["buyer_nif"], language) % {"value": value}] if value else []


def _format_date(day: datetime.date, language: str) -> str:
    return format_date(day, format="long", locale=language)


def legal_mentions(
    seller: dict[str, Any],
    buyer: dict[str, Any],
    language: str,
    *,
    kind: str,
    tax_categories: set[str],
    exemption_reasons: list[str],
    due_date: datetime.date | None,
    issue_date: datetime.date | None,
) -> list[str]:
    """Every legal mention the seller's country requires on this document, in its language,
    in print order: identity and registrations, VAT exemption reasons, reverse charge, then
    (invoices only) payment date and late-payment terms. `kind` is "invoice" or
    "credit_note"; the reference to the corrected invoice is added by invoicing."""
    language = _language(language)
    pack = pack_name(seller.get("country", ""))
    categories = {c.upper() for c in tax_categories}
    is_invoice = kind != "credit_note"
    mentions = _identity(seller, language)
    if pack == "FR":
        mentions += _france_registrations(seller, buyer, language, categories)
    else:
        mentions += _printed_identifiers(pack, seller, language)
    if pack == "ES":
        mentions += _spain_buyer(buyer, language)
    mentions += [reason for reason in exemption_reasons if reason]
    reverse_charge = _text(COMMON["reverse_charge"], language)
    if "AE" in categories and not any(reverse_charge in m for m in mentions):
        mentions.append(reverse_charge)
    if is_invoice and due_date is not None:
        mentions.append(
            _text(COMMON["due_date"], language) % {"date": _format_date(due_date, language)}
        )
    if is_invoice and pack == "FR":
        mentions += _france_payment_terms(seller, buyer, language)
    return _unique(mentions)


def _unique(mentions: list[str]) -> list[str]:
    return list(dict.fromkeys(m for m in mentions if m))


def default_invoice_terms(country: str, language: str) -> str:
    """The payment terms text a new company of this country prints on its invoices (the
    company may change it); empty for a country without a pack."""
    pack = PACKS.get(pack_name(country))
    if not pack or "terms" not in pack:
        return ""
    return _text(pack["terms"], _language(language))
