"""Actions on customers and their contacts. One transaction each, audited, and every rule
checked before anything is written: bad input raises InvalidInput listing all its errors."""

from typing import cast

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils.translation import gettext as _

from ardoise.audit.services import record
from ardoise.core.errors import FieldError, InvalidInput
from ardoise.core.identifiers import InvalidIdentifier, normalize_identifier
from ardoise.core.models import Company
from ardoise.core.money import (
    FOUR_PLACES,
    MAX_AMOUNT,
    is_currency,
    minor_unit,
    quantize,
    to_decimal,
)

from .models import Contact, ContactRole, Customer

LANGUAGES = ("fr", "en", "es", "ar")
MAX_TERMS_DAYS = 365
ADDRESS_PARTS = ("line1", "line2", "postal_code", "city", "country")

# Text fields and their maximum length (None: unlimited).
TEXT_FIELDS: dict[str, int | None] = {
    "code": 40,
    "legal_name": 200,
    "trade_name": 200,
    "country": 2,
    "language": 5,
    "currency": 3,
    "email": 254,
    "phone": 40,
    "business_line": 60,
    "notes": None,
    **{
        f"{kind}_{part}": cast(models.Field, Customer._meta.get_field(f"{kind}_{part}")).max_length
        for kind in ("billing", "shipping")
        for part in ADDRESS_PARTS
    },
}
OTHER_FIELDS = (
    "identifiers",
    "payment_terms_days",
    "payment_terms_end_of_month",
    "credit_limit",
    "is_active",
)
CUSTOMER_FIELDS = (*TEXT_FIELDS, *OTHER_FIELDS)
CONTACT_FIELDS = {"name": 150, "email": 254, "phone": 40, "job_title": 100}


def is_country(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


def _address(customer: Customer, kind: str) -> dict:
    return {part: getattr(customer, f"{kind}_{part}") for part in ADDRESS_PARTS}


def customer_snapshot(customer: Customer) -> dict:
    """The customer as a JSON-ready dict: written to the audit trail and copied onto
    documents at issue, so keep the keys stable."""
    return {
        "code": customer.code,
        "legal_name": customer.legal_name,
        "trade_name": customer.trade_name,
        "country": customer.country,
        "language": customer.language,
        "currency": customer.currency,
        "email": customer.email,
        "phone": customer.phone,
        "identifiers": dict(sorted((customer.identifiers or {}).items())),
        "billing_address": _address(customer, "billing"),
        "shipping_address": _address(customer, "shipping"),
        "payment_terms": {
            "days": customer.payment_terms_days,
            "end_of_month": customer.payment_terms_end_of_month,
        },
        "credit_limit": credit_limit_text(customer),
        "business_line": customer.business_line,
    }


def credit_limit_text(customer: Customer) -> str | None:
    """The limit as a decimal string in the currency's minor unit (None: no limit)."""
    if customer.credit_limit is None:
        return None
    amount = customer.credit_limit
    if is_currency(customer.currency):
        amount = quantize(amount, customer.currency)
    return format(amount, "f")


def _audit_snapshot(customer: Customer) -> dict:
    return customer_snapshot(customer) | {"notes": customer.notes, "is_active": customer.is_active}


def _contact_snapshot(contact: Contact) -> dict:
    return {
        "customer": contact.customer.code,
        "name": contact.name,
        "roles": list(contact.roles),
        "email": contact.email,
        "phone": contact.phone,
        "job_title": contact.job_title,
    }


def identifiers_text(identifiers: dict) -> str:
    """Space-joined values, so one LIKE finds a customer by any of its identifiers."""
    return " ".join(str(identifiers[scheme]) for scheme in sorted(identifiers))[:500]


# --- validation ------------------------------------------------------------------------------


def _clean_text(data: dict, errors: list[FieldError]) -> None:
    for field, max_length in TEXT_FIELDS.items():
        value = data.get(field)
        if value is None:
            data[field] = ""
            continue
        if not isinstance(value, str):
            errors.append(FieldError(field, "type", _("Give a text value.")))
            continue
        value = value.strip()
        data[field] = value
        if max_length is not None and len(value) > max_length:
            errors.append(
                FieldError(
                    field,
                    "max_length",
                    _("At most %(max)s characters are allowed.") % {"max": max_length},
                )
            )


def _check_identity(data: dict, errors: list[FieldError]) -> None:
    if not data["code"]:
        errors.append(FieldError("code", "required", _("A customer code is required.")))
    if not data["legal_name"]:
        errors.append(FieldError("legal_name", "required", _("The legal name is required.")))
    for field in ("country", "billing_country", "shipping_country"):
        data[field] = data[field].upper()
        if (data[field] or field == "country") and not is_country(data[field]):
            errors.append(
                FieldError(
                    field, "iso3166", _("Give an ISO 3166 two-letter country code, e.g. FR.")
                )
            )
    data["currency"] = data["currency"].upper()
    if not is_currency(data["currency"]):
        errors.append(
            FieldError("currency", "iso4217", _("Give a known ISO 4217 currency code, e.g. EUR."))
        )
    data["language"] = data["language"].lower()
    if data["language"] not in LANGUAGES:
        errors.append(
            FieldError(
                "language",
                "choice",
                _("The language must be one of %(choices)s.") % {"choices": ", ".join(LANGUAGES)},
            )
        )
    if data["email"]:
        try:
            validate_email(data["email"])
        except ValidationError:
            errors.append(FieldError("email", "email", _("Give a valid email address.")))


def _check_identifiers(data: dict, errors: list[FieldError]) -> None:
    given = data.get("identifiers") or {}
    if not isinstance(given, dict):
        errors.append(
            FieldError("identifiers", "type", _("Give identifiers as a scheme: value object."))
        )
        data["identifiers"] = {}
        return
    country = data["country"]
    normalized = {}
    for scheme, value in given.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue  # an empty value removes the identifier
        key = str(scheme).strip().lower()
        try:
            normalized[key] = normalize_identifier(country, key, value)
        except InvalidIdentifier as error:
            errors.append(FieldError(f"identifiers.{key}", error.rule, error.message))
        except ValueError as error:
            errors.append(FieldError(f"identifiers.{key}", "invalid", str(error)))
    data["identifiers"] = dict(sorted(normalized.items()))


def _check_terms(data: dict, errors: list[FieldError]) -> None:
    days = data.get("payment_terms_days")
    if isinstance(days, str) and days.strip().isdigit():
        days = int(days)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_TERMS_DAYS:
        errors.append(
            FieldError(
                "payment_terms_days",
                "range",
                _("Payment terms are a whole number of days from 0 to %(max)s.")
                % {"max": MAX_TERMS_DAYS},
            )
        )
    else:
        data["payment_terms_days"] = days
    for field in ("payment_terms_end_of_month", "is_active"):
        if not isinstance(data.get(field), bool):
            errors.append(FieldError(field, "type", _("Give true or false.")))


def _check_credit_limit(data: dict, errors: list[FieldError]) -> None:
    value = data.get("credit_limit")
    if value is None or (isinstance(value, str) and not value.strip()):
        data["credit_limit"] = None
        return
    try:
        amount = to_decimal(value)
    except TypeError:
        errors.append(
            FieldError(
                "credit_limit", "not_float", _("Give the amount as a decimal string, not a float.")
            )
        )
        return
    except ValueError:
        errors.append(FieldError("credit_limit", "decimal", _("Give a decimal amount.")))
        return
    if amount < 0:
        errors.append(FieldError("credit_limit", "min", _("The credit limit cannot be negative.")))
    elif amount > MAX_AMOUNT:
        errors.append(FieldError("credit_limit", "max", _("The credit limit is too large.")))
    elif is_currency(data["currency"]) and amount != round(amount, minor_unit(data["currency"])):
        errors.append(
            FieldError(
                "credit_limit",
                "decimals",
                _("The amount has more decimals than the currency allows."),
            )
        )
    else:
        data["credit_limit"] = amount.quantize(FOUR_PLACES)


def _validate(company: Company, data: dict, *, instance: Customer | None = None) -> dict:
    """Return the cleaned data or raise InvalidInput with every error found."""
    errors: list[FieldError] = []
    unknown = sorted(set(data) - set(CUSTOMER_FIELDS))
    errors += [FieldError(field, "unknown", _("Unknown field.")) for field in unknown]
    data = {field: data.get(field) for field in CUSTOMER_FIELDS}
    _clean_text(data, errors)
    _check_identity(data, errors)
    _check_identifiers(data, errors)
    _check_terms(data, errors)
    _check_credit_limit(data, errors)
    if data["code"]:
        clash = Customer.objects.filter(company=company, code=data["code"])
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors.append(
                FieldError(
                    "code",
                    "unique",
                    _("Another customer already has the code %(code)s.") % {"code": data["code"]},
                )
            )
    if errors:
        raise InvalidInput(errors)
    if not data["billing_country"]:
        data["billing_country"] = data["country"]
    return data


def _defaults(company: Company) -> dict:
    language = (company.language or "fr")[:2]
    return {
        "currency": company.currency,
        "language": language if language in LANGUAGES else "fr",
        "payment_terms_days": 30,
        "payment_terms_end_of_month": False,
        "is_active": True,
    }


def _apply(customer: Customer, data: dict) -> None:
    for field, value in data.items():
        setattr(customer, field, value)
    customer.identifiers_text = identifiers_text(customer.identifiers)


# --- customers -------------------------------------------------------------------------------


@transaction.atomic
def create_customer(
    company: Company, *, actor, contacts: list[dict] | None = None, **data
) -> Customer:
    """Create a customer (and optionally its first contacts) in one audited action."""
    cleaned_contacts, contact_errors = [], []
    for index, contact in enumerate(contacts or []):
        try:
            cleaned_contacts.append(_validate_contact(contact, prefix=f"contacts.{index}."))
        except InvalidInput as error:
            contact_errors += error.errors
    try:
        cleaned = _validate(company, _defaults(company) | data)
    except InvalidInput as error:
        raise InvalidInput(error.errors + contact_errors) from None
    if contact_errors:
        raise InvalidInput(contact_errors)
    customer = Customer(company=company)
    _apply(customer, cleaned)
    customer.save()
    record(actor=actor, action="customer.create", obj=customer, after=_audit_snapshot(customer))
    for contact_data in cleaned_contacts:
        _create_contact(customer, actor, contact_data)
    return customer


@transaction.atomic
def update_customer(customer: Customer, *, actor, **changes) -> Customer:
    """Change some fields; the others keep their values. `identifiers` replaces the whole set."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    current = {field: getattr(customer, field) for field in CUSTOMER_FIELDS}
    cleaned = _validate(customer.company, current | changes, instance=customer)
    before = _audit_snapshot(customer)
    _apply(customer, cleaned)
    after = _audit_snapshot(customer)
    if after == before:
        return customer
    customer.save()
    record(actor=actor, action="customer.update", obj=customer, before=before, after=after)
    return customer


def _set_active(customer: Customer, actor, active: bool) -> Customer:
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.is_active == active:
        return customer  # safe to call twice
    customer.is_active = active
    customer.save(update_fields=["is_active", "updated_at"])
    record(
        actor=actor,
        action="customer.reactivate" if active else "customer.deactivate",
        obj=customer,
        before={"is_active": not active},
        after={"is_active": active},
    )
    return customer


@transaction.atomic
def deactivate_customer(customer: Customer, *, actor) -> Customer:
    """An inactive customer keeps its history but is no longer offered for new documents."""
    return _set_active(customer, actor, False)


@transaction.atomic
def reactivate_customer(customer: Customer, *, actor) -> Customer:
    return _set_active(customer, actor, True)


# --- contacts --------------------------------------------------------------------------------


def _validate_contact(data: dict, *, prefix: str = "") -> dict:
    errors: list[FieldError] = []
    unknown = sorted(set(data) - {*CONTACT_FIELDS, "roles"})
    errors += [FieldError(prefix + field, "unknown", _("Unknown field.")) for field in unknown]
    cleaned: dict = {}
    for field, max_length in CONTACT_FIELDS.items():
        value = data.get(field)
        value = "" if value is None else value
        if not isinstance(value, str):
            errors.append(FieldError(prefix + field, "type", _("Give a text value.")))
            continue
        cleaned[field] = value.strip()
        if len(cleaned[field]) > max_length:
            errors.append(
                FieldError(
                    prefix + field,
                    "max_length",
                    _("At most %(max)s characters are allowed.") % {"max": max_length},
                )
            )
    if not cleaned.get("name"):
        errors.append(FieldError(prefix + "name", "required", _("The contact's name is required.")))
    if cleaned.get("email"):
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            errors.append(FieldError(prefix + "email", "email", _("Give a valid email address.")))
    roles = data.get("roles") or []
    if isinstance(roles, str):
        roles = [roles]
    if not isinstance(roles, list | tuple) or not set(roles) <= set(ContactRole.values):
        errors.append(
            FieldError(
                prefix + "roles",
                "choice",
                _("Roles are among %(choices)s.") % {"choices": ", ".join(ContactRole.values)},
            )
        )
    else:
        cleaned["roles"] = [role for role in ContactRole.values if role in roles]
    if errors:
        raise InvalidInput(errors)
    return cleaned


def _create_contact(customer: Customer, actor, data: dict) -> Contact:
    contact = Contact.objects.create(company_id=customer.company_id, customer=customer, **data)
    record(
        actor=actor,
        action="customer.contact.add",
        obj=contact,
        after=_contact_snapshot(contact),
    )
    return contact


@transaction.atomic
def add_contact(
    customer: Customer,
    *,
    actor,
    name: str,
    roles: list[str] | None = None,
    email: str = "",
    phone: str = "",
    job_title: str = "",
) -> Contact:
    data = _validate_contact(
        {"name": name, "roles": roles, "email": email, "phone": phone, "job_title": job_title}
    )
    return _create_contact(customer, actor, data)


@transaction.atomic
def update_contact(contact: Contact, *, actor, **changes) -> Contact:
    contact = Contact.objects.select_for_update().select_related("customer").get(pk=contact.pk)
    before = _contact_snapshot(contact)
    current = {field: getattr(contact, field) for field in (*CONTACT_FIELDS, "roles")}
    data = _validate_contact(current | changes)
    for field, value in data.items():
        setattr(contact, field, value)
    after = _contact_snapshot(contact)
    if after == before:
        return contact
    contact.save()
    record(actor=actor, action="customer.contact.update", obj=contact, before=before, after=after)
    return contact


@transaction.atomic
def remove_contact(contact: Contact, *, actor) -> None:
    contact = Contact.objects.select_for_update().select_related("customer").get(pk=contact.pk)
    record(
        actor=actor,
        action="customer.contact.remove",
        obj=contact,
        before=_contact_snapshot(contact),
    )
    contact.delete()
