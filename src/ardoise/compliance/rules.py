"""Jurisdiction rule packs: which legal identifiers a seller and a buyer must show, the checks
an invoice must pass before it is issued, its legal mentions and its amount in words.

Pure functions over snapshot dicts (the seller and buyer as they will be frozen on the
document), so invoicing can call them inside its issue transaction and tests need no
database. A seller snapshot has at least `country`, `legal_name`, `identifiers` (scheme to
value), `address_line1`, `postal_code`, `city`; a buyer snapshot has `country`,
`legal_name`, `identifiers`, `billing_address` {line1, postal_code, city, country} and
optionally `is_business` (default true).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ardoise.core.errors import FieldError

from .mentions import OHADA_COUNTRIES, default_invoice_terms, legal_mentions, pack_name
from .words import amount_in_words

__all__ = [
    "EU_COUNTRIES",
    "amount_in_words",
    "check_before_issue",
    "default_invoice_terms",
    "legal_mentions",
    "required_buyer_identifiers",
    "required_seller_identifiers",
]

EU_COUNTRIES = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    }
)

SELLER_IDENTIFIERS: dict[str, tuple[str, ...]] = {
    "FR": ("siren", "vat", "rcs"),
    "DZ": ("nif", "nis", "rc", "ai"),
    "ES": ("nif",),
    "OHADA": ("nif", "rccm"),
}
# What a domestic business buyer must show (FR: the buyer's SIREN, e-invoicing reform).
DOMESTIC_BUYER_IDENTIFIERS: dict[str, tuple[str, ...]] = {
    "FR": ("siren",),
    "DZ": ("nif", "nis", "rc", "ai"),
    "ES": ("nif",),
    "OHADA": ("nif",),
}
# Schemes that satisfy a required one: a SIRET contains the SIREN, a Spanish NIF may be
# stored as CIF or NIE.
SATISFIED_BY: dict[str, tuple[str, ...]] = {
    "siren": ("siren", "siret"),
    "nif": ("nif", "cif", "nie"),
}
IDENTIFIER_LABELS = {
    "siren": "SIREN",
    "siret": "SIRET",
    "vat": gettext_lazy("VAT number"),
    "rcs": gettext_lazy("RCS registration city"),
    "nif": "NIF",
    "nis": "NIS",
    "rc": "RC",
    "ai": gettext_lazy("AI (tax article number)"),
    "rccm": "RCCM",
}


def required_seller_identifiers(country: str, *, vat_franchise: bool = False) -> list[str]:
    """Identifier schemes the seller must print on its invoices. A French seller under the
    VAT franchise (art. 293 B CGI) has no VAT number to show."""
    schemes = SELLER_IDENTIFIERS.get(pack_name(country), ())
    if vat_franchise:
        schemes = tuple(s for s in schemes if s != "vat")
    return list(schemes)


def required_buyer_identifiers(
    seller_country: str, buyer_country: str, is_business: bool = True
) -> list[str]:
    """Identifier schemes the buyer must have on the invoice: the VAT number of an EU buyer
    in another member state, the domestic registrations of a business buyer at home, and
    nothing for consumers."""
    if not is_business:
        return []
    seller, buyer = (seller_country or "").upper(), (buyer_country or "").upper()
    if seller in EU_COUNTRIES and buyer in EU_COUNTRIES and seller != buyer:
        return ["vat"]
    same_pack = seller == buyer or (seller in OHADA_COUNTRIES and buyer in OHADA_COUNTRIES)
    if same_pack:
        return list(DOMESTIC_BUYER_IDENTIFIERS.get(pack_name(seller), ()))
    return []


def has_identifier(identifiers: dict | None, scheme: str) -> bool:
    identifiers = identifiers or {}
    return any(str(identifiers.get(s) or "").strip() for s in SATISFIED_BY.get(scheme, (scheme,)))


def _missing_identifier(prefix: str, scheme: str, message: str) -> FieldError:
    label = str(IDENTIFIER_LABELS.get(scheme, scheme.upper()))
    return FieldError(f"{prefix}.identifiers.{scheme}", "required", message % {"label": label})


def _seller_errors(seller: dict, categories: set[str]) -> list[FieldError]:
    errors = []
    required = {"legal_name": seller.get("legal_name")}
    for key in ("address_line1", "postal_code", "city", "country"):
        required[key] = seller.get(key)
    for key, value in required.items():
        if not str(value or "").strip():
            errors.append(
                FieldError(
                    f"company.{key}",
                    "required",
                    _("The company's %(field)s is missing.") % {"field": key.replace("_", " ")},
                )
            )
    # A seller under the VAT franchise has no VAT number; snapshots may not say so, but a
    # document charging no VAT at all (only E/O lines) never needs the seller's number.
    no_vat_charged = bool(categories) and categories <= {"E", "O"}
    schemes = required_seller_identifiers(
        seller.get("country", ""),
        vat_franchise=bool(seller.get("vat_franchise")) or no_vat_charged,
    )
    if "K" in categories or "AE" in categories:
        schemes = [*schemes, "vat"]
    message = _("The company's %(label)s is required on this invoice.")
    identifiers = seller.get("identifiers")
    errors += [
        _missing_identifier("company", s, message)
        for s in schemes
        if not has_identifier(identifiers, s)
    ]
    return errors


def _buyer_errors(seller: dict, buyer: dict, categories: set[str]) -> list[FieldError]:
    errors = []
    if not str(buyer.get("legal_name") or "").strip():
        errors.append(
            FieldError("customer.legal_name", "required", _("The customer's name is missing."))
        )
    address = buyer.get("billing_address") or {}
    for key in ("line1", "postal_code", "city", "country"):
        if not str(address.get(key) or "").strip():
            errors.append(
                FieldError(
                    f"customer.billing_address.{key}",
                    "required",
                    _("The customer's billing address is incomplete."),
                )
            )
    identifiers = buyer.get("identifiers")
    buyer_country = buyer.get("country") or address.get("country") or ""
    schemes = required_buyer_identifiers(
        seller.get("country", ""), buyer_country, buyer.get("is_business", True)
    )
    message = _("The customer's %(label)s is required on this invoice.")
    errors += [
        _missing_identifier("customer", s, message)
        for s in schemes
        if not has_identifier(identifiers, s)
    ]
    if "K" in categories and not has_identifier(identifiers, "vat"):
        errors.append(
            _missing_identifier(
                "customer", "vat", _("An intra-community supply needs the customer's %(label)s.")
            )
        )
    if "AE" in categories and not (
        has_identifier(identifiers, "vat") or has_identifier(identifiers, "nif")
    ):
        errors.append(
            _missing_identifier(
                "customer", "vat", _("A reverse-charge invoice needs the customer's %(label)s.")
            )
        )
    return errors


def check_before_issue(seller: dict, buyer: dict, tax_categories: set[str]) -> list[FieldError]:
    """Every reason the document may not be issued as it stands, one error per field (empty
    when it may). Fields are named as the invoice shows them: `company.identifiers.nif`,
    `customer.identifiers.siren`, `customer.billing_address.city`, ..."""
    categories = {c.upper() for c in tax_categories}
    errors = _seller_errors(seller, categories) + _buyer_errors(seller, buyer, categories)
    unique: dict[str, FieldError] = {}
    for error in errors:
        unique.setdefault(error.field, error)
    return list(unique.values())
