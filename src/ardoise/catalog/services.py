"""Catalog actions: products and tax codes.

Each action checks every field first and raises one `InvalidInput` naming all the bad ones
before it writes anything; it runs in one transaction with its audit event.
"""

from decimal import Decimal
from typing import Any, cast

from django.db import transaction
from django.utils.translation import gettext as _

from ardoise.audit.services import record
from ardoise.core.errors import FieldError, InvalidInput
from ardoise.core.models import Company
from ardoise.core.money import FOUR_PLACES, MAX_AMOUNT, to_decimal

from .models import (
    CATEGORIES_NEEDING_REASON,
    ZERO_RATE_CATEGORIES,
    Product,
    TaxCode,
    VatCategory,
)
from .seeds import seeds_for
from .units import is_unit

PRODUCT_FIELDS = (
    "code",
    "name",
    "description",
    "kind",
    "unit",
    "unit_price",
    "tax_code",
    "is_active",
)
TAX_CODE_FIELDS = (
    "code",
    "name",
    "country",
    "category",
    "rate",
    "exemption_reason",
    "exemption_reason_code",
    "is_active",
)
MAX_DECIMAL_PLACES = 4
MAX_RATE = Decimal(100)


def product_snapshot(product: Product) -> dict[str, Any]:
    return {
        "code": product.code,
        "name": product.name,
        "description": product.description,
        "kind": product.kind,
        "unit": product.unit,
        "unit_price": product.unit_price,
        "tax_code": product.tax_code.code,
        "is_active": product.is_active,
    }


def tax_code_snapshot(tax_code: TaxCode) -> dict[str, Any]:
    return {field: getattr(tax_code, field) for field in TAX_CODE_FIELDS}


# --- field checks: each appends its errors and returns the cleaned value ------------------


def _unknown_fields(changes: dict, allowed: tuple[str, ...]) -> list[FieldError]:
    return [
        FieldError(field, "unknown", _("This field does not exist or cannot be changed."))
        for field in changes
        if field not in allowed
    ]


def _text(
    errors: list[FieldError], field: str, value: Any, *, max_length: int, required: bool
) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        errors.append(FieldError(field, "required", _("This field is required.")))
    elif len(text) > max_length:
        errors.append(
            FieldError(
                field,
                "max_length",
                _("At most %(count)d characters.") % {"count": max_length},
            )
        )
    return text


def _decimal(
    errors: list[FieldError], field: str, value: Any, *, maximum: Decimal
) -> Decimal | None:
    """A non-negative decimal with at most four decimal places, never from a float."""
    if value is None or value == "" or isinstance(value, bool):
        errors.append(FieldError(field, "required", _("This field is required.")))
        return None
    try:
        number = to_decimal(value)
    except TypeError:
        errors.append(
            FieldError(
                field,
                "decimal_string",
                _('Give the number as a decimal string, e.g. "12.50": floats are refused.'),
            )
        )
        return None
    except ValueError:
        errors.append(FieldError(field, "decimal", _("Give a decimal number, e.g. 12.50.")))
        return None
    if number < 0:
        errors.append(FieldError(field, "min_value", _("The value must not be negative.")))
    elif number > maximum:
        errors.append(
            FieldError(field, "max_value", _("At most %(maximum)s.") % {"maximum": maximum})
        )
    # to_decimal refuses NaN and infinities, whose exponent would be a letter.
    elif cast(int, number.normalize().as_tuple().exponent) < -MAX_DECIMAL_PLACES:
        errors.append(
            FieldError(
                field,
                "max_decimal_places",
                _("At most %(count)d decimal places.") % {"count": MAX_DECIMAL_PLACES},
            )
        )
    else:
        # As the database stores it, so the returned object and a re-read agree.
        return number.quantize(FOUR_PLACES)
    return number


def _boolean(errors: list[FieldError], field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        errors.append(FieldError(field, "boolean", _("Give true or false.")))
        return False
    return value


def _unique_code(
    errors: list[FieldError], model, company: Company, code: str, exclude_pk: int | None
) -> None:
    if not code:
        return
    others = model.objects.filter(company=company, code=code)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        errors.append(
            FieldError("code", "unique", _("The code %(code)s is already used.") % {"code": code})
        )


def _tax_code_for(errors: list[FieldError], company: Company, value: Any) -> TaxCode | None:
    """The company's active tax code given as an instance, an id or a code."""
    if value is None or value == "":
        errors.append(FieldError("tax_code", "required", _("This field is required.")))
        return None
    if isinstance(value, TaxCode):
        tax_code = value if value.company_id == company.pk else None
    else:
        lookup = {"pk": value} if isinstance(value, int) else {"code": str(value).strip()}
        tax_code = TaxCode.objects.filter(company=company, **lookup).first()
    if tax_code is None:
        errors.append(
            FieldError(
                "tax_code",
                "unknown",
                _("No tax code %(code)s in this company.") % {"code": value},
            )
        )
    elif not tax_code.is_active:
        errors.append(
            FieldError(
                "tax_code",
                "inactive",
                _("The tax code %(code)s is no longer active.") % {"code": tax_code.code},
            )
        )
        return None
    return tax_code


# --- products ------------------------------------------------------------------------------


def _clean_product(
    company: Company, data: dict, *, exclude_pk: int | None = None
) -> tuple[dict, list[FieldError]]:
    """Check the given product fields; return the cleaned values and every error."""
    errors = _unknown_fields(data, PRODUCT_FIELDS)
    cleaned: dict[str, Any] = {}
    if "code" in data:
        cleaned["code"] = _text(errors, "code", data["code"], max_length=40, required=True)
        _unique_code(errors, Product, company, cleaned["code"], exclude_pk)
    if "name" in data:
        cleaned["name"] = _text(errors, "name", data["name"], max_length=200, required=True)
    if "description" in data:
        cleaned["description"] = _text(
            errors, "description", data["description"], max_length=10_000, required=False
        )
    if "kind" in data:
        cleaned["kind"] = data["kind"]
        if data["kind"] not in Product.Kind.values:
            errors.append(
                FieldError(
                    "kind",
                    "choice",
                    _("Choose one of: %(choices)s.") % {"choices": ", ".join(Product.Kind.values)},
                )
            )
    if "unit" in data:
        cleaned["unit"] = str(data["unit"] or "").strip().upper()
        if not is_unit(cleaned["unit"]):
            errors.append(
                FieldError(
                    "unit",
                    "unece_rec20",
                    _("Give a UN/ECE Recommendation 20 unit code such as C62, HUR or KGM."),
                )
            )
    if "unit_price" in data:
        cleaned["unit_price"] = _decimal(
            errors, "unit_price", data["unit_price"], maximum=MAX_AMOUNT
        )
    if "tax_code" in data:
        cleaned["tax_code"] = _tax_code_for(errors, company, data["tax_code"])
    if "is_active" in data:
        cleaned["is_active"] = _boolean(errors, "is_active", data["is_active"])
    return cleaned, errors


@transaction.atomic
def create_product(
    company: Company,
    *,
    actor,
    code: str,
    name: str,
    unit_price: Any,
    tax_code: TaxCode | int | str,
    description: str = "",
    kind: str = Product.Kind.SERVICE,
    unit: str = "C62",
    is_active: bool = True,
) -> Product:
    """Add a product or service to the company's catalog. `unit_price` is net of tax."""
    data = {
        "code": code,
        "name": name,
        "description": description,
        "kind": kind,
        "unit": unit,
        "unit_price": unit_price,
        "tax_code": tax_code,
        "is_active": is_active,
    }
    cleaned, errors = _clean_product(company, data)
    if errors:
        raise InvalidInput(errors)
    product = Product.objects.create(company=company, **cleaned)
    record(actor=actor, action="product.create", obj=product, after=product_snapshot(product))
    return product


@transaction.atomic
def update_product(product: Product, *, actor, **changes: Any) -> Product:
    """Change some fields of a product. Issued invoices keep their own copy of the line, so
    a new price or tax code only affects documents drafted afterwards."""
    product = Product.objects.select_for_update().select_related("tax_code").get(pk=product.pk)
    company = Company.objects.get(pk=product.company_id)
    cleaned, errors = _clean_product(company, changes, exclude_pk=product.pk)
    if errors:
        raise InvalidInput(errors)
    before = product_snapshot(product)
    for field, value in cleaned.items():
        setattr(product, field, value)
    after = product_snapshot(product)
    if after != before:
        product.save()
        record(actor=actor, action="product.update", obj=product, before=before, after=after)
    return product


@transaction.atomic
def deactivate_product(product: Product, *, actor) -> Product:
    """Withdraw a product from sale; it stays on the documents that already use it. Safe to
    call twice."""
    product = Product.objects.select_for_update().select_related("tax_code").get(pk=product.pk)
    if product.is_active:
        product.is_active = False
        product.save(update_fields=["is_active", "updated_at"])
        record(
            actor=actor,
            action="product.deactivate",
            obj=product,
            before={"is_active": True},
            after={"is_active": False},
        )
    return product


# --- tax codes -----------------------------------------------------------------------------


def _clean_tax_code(
    company: Company, data: dict, *, exclude_pk: int | None = None
) -> tuple[dict, list[FieldError]]:
    """Check a complete set of tax code fields, including category/rate/reason consistency
    (EN 16931 BR-S-05, BR-E-05, BR-E-10, BR-AE-10, ...)."""
    errors = _unknown_fields(data, TAX_CODE_FIELDS)
    cleaned: dict[str, Any] = {
        "code": _text(errors, "code", data.get("code"), max_length=20, required=True),
        "name": _text(errors, "name", data.get("name"), max_length=100, required=True),
        "country": str(data.get("country") or "").strip().upper(),
        "category": str(data.get("category") or "").strip().upper(),
        "rate": _decimal(errors, "rate", data.get("rate"), maximum=MAX_RATE),
        "exemption_reason": _text(
            errors, "exemption_reason", data.get("exemption_reason"), max_length=300, required=False
        ),
        "exemption_reason_code": _text(
            errors,
            "exemption_reason_code",
            data.get("exemption_reason_code"),
            max_length=30,
            required=False,
        ).upper(),
        "is_active": _boolean(errors, "is_active", data.get("is_active", True)),
    }
    _unique_code(errors, TaxCode, company, cleaned["code"], exclude_pk)
    if len(cleaned["country"]) != 2 or not cleaned["country"].isalpha():
        errors.append(
            FieldError("country", "iso3166", _("Give the ISO 3166 two-letter country code."))
        )
    errors.extend(_category_errors(cleaned))
    return cleaned, errors


def _category_errors(cleaned: dict) -> list[FieldError]:
    category, rate = cleaned["category"], cleaned["rate"]
    errors = []
    if category not in VatCategory.values:
        return [
            FieldError(
                "category",
                "choice",
                _("Choose an EN 16931 VAT category: %(choices)s.")
                % {"choices": ", ".join(VatCategory.values)},
            )
        ]
    if rate is not None and category in ZERO_RATE_CATEGORIES and rate != 0:
        errors.append(FieldError("rate", "zero_rate", _("This VAT category requires a rate of 0.")))
    if rate is not None and category == VatCategory.STANDARD and rate <= 0:
        errors.append(
            FieldError("rate", "positive", _("A standard-rated tax code needs a rate above 0."))
        )
    if category in CATEGORIES_NEEDING_REASON and not cleaned["exemption_reason"]:
        errors.append(
            FieldError(
                "exemption_reason",
                "required",
                _("State why no VAT is charged: the text printed on the invoice."),
            )
        )
    if category not in CATEGORIES_NEEDING_REASON and (
        cleaned["exemption_reason"] or cleaned["exemption_reason_code"]
    ):
        errors.append(
            FieldError(
                "exemption_reason",
                "not_allowed",
                _("Only exempt, reverse-charge, export and out-of-scope codes carry a reason."),
            )
        )
    code = cleaned["exemption_reason_code"]
    if code and not code.startswith("VATEX-"):
        errors.append(
            FieldError(
                "exemption_reason_code",
                "vatex",
                _("Give a CEF VATEX code such as VATEX-EU-IC, or leave it empty."),
            )
        )
    return errors


@transaction.atomic
def create_tax_code(
    company: Company,
    *,
    actor,
    code: str,
    name: str,
    category: str,
    rate: Any,
    exemption_reason: str = "",
    exemption_reason_code: str = "",
    country: str = "",
    is_active: bool = True,
) -> TaxCode:
    """Add a tax code; its country defaults to the company's."""
    data = {
        "code": code,
        "name": name,
        "category": category,
        "rate": rate,
        "exemption_reason": exemption_reason,
        "exemption_reason_code": exemption_reason_code,
        "country": country or company.country,
        "is_active": is_active,
    }
    cleaned, errors = _clean_tax_code(company, data)
    if errors:
        raise InvalidInput(errors)
    tax_code = TaxCode.objects.create(company=company, **cleaned)
    record(actor=actor, action="tax_code.create", obj=tax_code, after=tax_code_snapshot(tax_code))
    return tax_code


@transaction.atomic
def update_tax_code(tax_code: TaxCode, *, actor, **changes: Any) -> TaxCode:
    """Change a tax code. Invoice lines copy the category and rate, so documents already
    drafted or issued keep theirs."""
    tax_code = TaxCode.objects.select_for_update().get(pk=tax_code.pk)
    company = Company.objects.get(pk=tax_code.company_id)
    before = tax_code_snapshot(tax_code)
    unknown = _unknown_fields(changes, TAX_CODE_FIELDS)
    if unknown:
        raise InvalidInput(unknown)
    cleaned, errors = _clean_tax_code(company, before | changes, exclude_pk=tax_code.pk)
    if errors:
        raise InvalidInput(errors)
    for field, value in cleaned.items():
        setattr(tax_code, field, value)
    after = tax_code_snapshot(tax_code)
    if after != before:
        tax_code.save()
        record(actor=actor, action="tax_code.update", obj=tax_code, before=before, after=after)
    return tax_code


@transaction.atomic
def seed_tax_codes(company: Company, *, actor) -> int:
    """Create the standard tax codes of the company's country that it lacks (by code);
    returns how many were created. Codes the company already has are left as they are."""
    existing = set(TaxCode.objects.filter(company=company).values_list("code", flat=True))
    created = 0
    for seed in seeds_for(company.country):
        if seed.code in existing:
            continue
        tax_code = TaxCode.objects.create(
            company=company,
            code=seed.code,
            name=seed.name,
            country=company.country.upper(),
            category=seed.category,
            rate=seed.rate,
            exemption_reason=seed.exemption_reason,
            exemption_reason_code=seed.exemption_reason_code,
        )
        record(actor=actor, action="tax_code.seed", obj=tax_code, after=tax_code_snapshot(tax_code))
        created += 1
    return created
