"""HTTP routes for customers, mounted at /api/v1/customers. Thin: parse, scope, call one
service or query, shape the answer. Amounts travel as strings."""

import datetime
from typing import Any

from ninja import Router, Schema
from ninja.responses import Status

from ardoise.core.errors import InvalidInput
from ardoise.core.http import paginate
from ardoise.core.roles import Action
from ardoise.core.tenancy import company_for, get_scoped, scoped

from .history import add_customer_event, customer_history
from .models import Contact, Customer, CustomerEvent
from .queries import filter_customers
from .services import (
    ADDRESS_PARTS,
    add_contact,
    create_customer,
    credit_limit_text,
    remove_contact,
    update_contact,
    update_customer,
)

router = Router(tags=["customers"])

TEXT_FIELDS = (
    "code",
    "legal_name",
    "trade_name",
    "country",
    "currency",
    "language",
    "email",
    "phone",
    "business_line",
    "notes",
)


class AddressSchema(Schema):
    line1: str | None = None
    line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None


class PaymentTermsSchema(Schema):
    days: int | None = None
    end_of_month: bool | None = None


class ContactIn(Schema):
    name: str | None = None
    roles: list[str] | None = None
    email: str | None = None
    phone: str | None = None
    job_title: str | None = None


class CustomerIn(Schema):
    """Every field is optional here so that the service reports all missing ones at once.
    `name` is an alias of `legal_name`."""

    company: int | None = None
    code: str | None = None
    name: str | None = None
    legal_name: str | None = None
    trade_name: str | None = None
    country: str | None = None
    currency: str | None = None
    language: str | None = None
    email: str | None = None
    phone: str | None = None
    identifiers: dict[str, str | None] | None = None
    payment_terms: PaymentTermsSchema | None = None
    # Floats are accepted by the schema only to be refused with a clear message.
    credit_limit: str | int | float | None = None
    billing_address: AddressSchema | None = None
    shipping_address: AddressSchema | None = None
    business_line: str | None = None
    notes: str | None = None
    is_active: bool | None = None
    contacts: list[ContactIn] | None = None


class AddressOut(Schema):
    line1: str
    line2: str
    postal_code: str
    city: str
    country: str


class PaymentTermsOut(Schema):
    days: int
    end_of_month: bool


class ContactOut(Schema):
    id: int
    name: str
    roles: list[str]
    email: str
    phone: str
    job_title: str


class CustomerOut(Schema):
    id: int
    company: int
    code: str
    name: str
    legal_name: str
    trade_name: str
    display_name: str
    country: str
    currency: str
    language: str
    email: str
    phone: str
    identifiers: dict[str, str]
    payment_terms: PaymentTermsOut
    credit_limit: str | None
    billing_address: AddressOut
    shipping_address: AddressOut
    business_line: str
    notes: str
    is_active: bool
    contacts: list[ContactOut]
    created_at: str
    updated_at: str


class CustomerPage(Schema):
    items: list[CustomerOut]
    next_cursor: str | None


def _contact_out(contact: Contact) -> dict:
    return {
        "id": contact.pk,
        "name": contact.name,
        "roles": list(contact.roles or []),
        "email": contact.email,
        "phone": contact.phone,
        "job_title": contact.job_title,
    }


def customer_out(customer: Customer) -> dict:
    def address(kind: str) -> dict:
        return {part: getattr(customer, f"{kind}_{part}") for part in ADDRESS_PARTS}

    return {
        "id": customer.pk,
        "company": customer.company_id,
        "code": customer.code,
        "name": customer.legal_name,
        "legal_name": customer.legal_name,
        "trade_name": customer.trade_name,
        "display_name": customer.display_name,
        "country": customer.country,
        "currency": customer.currency,
        "language": customer.language,
        "email": customer.email,
        "phone": customer.phone,
        "identifiers": dict(customer.identifiers or {}),
        "payment_terms": {
            "days": customer.payment_terms_days,
            "end_of_month": customer.payment_terms_end_of_month,
        },
        "credit_limit": credit_limit_text(customer),
        "billing_address": address("billing"),
        "shipping_address": address("shipping"),
        "business_line": customer.business_line,
        "notes": customer.notes,
        "is_active": customer.is_active,
        "contacts": [_contact_out(contact) for contact in customer.contacts.all()],
        "created_at": customer.created_at.isoformat(),
        "updated_at": customer.updated_at.isoformat(),
    }


def _service_fields(given: dict, current: Customer | None = None) -> dict:
    """Map the API's shape (nested address and terms, `name` alias, merge-patch identifiers)
    onto the service's flat fields. Only the keys the client sent are returned."""
    data: dict = {}
    if "name" in given and "legal_name" not in given:
        given["legal_name"] = given["name"]
    for field in TEXT_FIELDS:
        if field in given:
            data[field] = given[field] if given[field] is not None else ""
    for kind in ("billing", "shipping"):
        key = f"{kind}_address"
        if key in given:
            address = given[key] or dict.fromkeys(ADDRESS_PARTS)
            for part, value in address.items():
                data[f"{kind}_{part}"] = value if value is not None else ""
    if "payment_terms" in given and given["payment_terms"] is not None:
        terms = given["payment_terms"]
        if terms.get("days") is not None:
            data["payment_terms_days"] = terms["days"]
        if terms.get("end_of_month") is not None:
            data["payment_terms_end_of_month"] = terms["end_of_month"]
    if "credit_limit" in given:
        data["credit_limit"] = given["credit_limit"]
    if given.get("is_active") is not None:
        data["is_active"] = given["is_active"]
    if "identifiers" in given:
        identifiers = dict(current.identifiers) if current is not None else {}
        identifiers.update(given["identifiers"] or {})
        if given["identifiers"] is None:
            identifiers = {}
        data["identifiers"] = {k: v for k, v in identifiers.items() if v not in (None, "")}
    return data


def _scoped_customers(request):
    return scoped(Customer.objects.prefetch_related("contacts"), request.user)


@router.post("", response={201: CustomerOut})
def create(request, payload: CustomerIn):
    """Create a customer in `company` (default: the user's only company)."""
    given = payload.dict(exclude_unset=True)
    company = company_for(request.user, given.pop("company", None), Action.EDIT_CUSTOMERS)
    contacts = given.pop("contacts", None) or []
    contacts = [{k: v for k, v in c.items() if v is not None} for c in contacts]
    customer = create_customer(
        company, actor=request.user, contacts=contacts, **_service_fields(given)
    )
    return Status(201, customer_out(_scoped_customers(request).get(pk=customer.pk)))


@router.get("", response=CustomerPage)
def list_customers(
    request,
    q: str | None = None,
    country: str | None = None,
    business_line: str | None = None,
    active: bool | None = None,
    company: int | None = None,
    cursor: str | None = None,
    limit: int | None = None,
):
    """Customers of the user's companies, newest first, with cursor pagination."""
    queryset = filter_customers(
        _scoped_customers(request),
        q=q,
        country=country,
        business_line=business_line,
        active=active,
    )
    if company is not None:
        queryset = queryset.filter(company_id=company)
    rows, next_cursor = paginate(queryset, cursor, limit)
    return {"items": [customer_out(c) for c in rows], "next_cursor": next_cursor}


@router.get("/{customer_id}", response=CustomerOut)
def get_customer(request, customer_id: int):
    return customer_out(get_scoped(_scoped_customers(request), request.user, customer_id))


@router.patch("/{customer_id}", response=CustomerOut)
def patch_customer(request, customer_id: int, payload: CustomerIn):
    """Partial update: only the fields sent change. Identifiers are merged by scheme (null
    removes one); addresses are merged by part."""
    customer = get_scoped(Customer.objects, request.user, customer_id, Action.EDIT_CUSTOMERS)
    given = payload.dict(exclude_unset=True)
    for refused in ("company", "contacts"):
        if refused in given:
            raise InvalidInput.single(
                refused, "read_only", f"`{refused}` cannot be changed with this route."
            )
    update_customer(customer, actor=request.user, **_service_fields(given, customer))
    return customer_out(_scoped_customers(request).get(pk=customer.pk))


@router.post("/{customer_id}/contacts", response={201: ContactOut})
def create_contact(request, customer_id: int, payload: ContactIn):
    customer = get_scoped(Customer.objects, request.user, customer_id, Action.EDIT_CUSTOMERS)
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    contact = add_contact(customer, actor=request.user, **({"name": ""} | data))
    return Status(201, _contact_out(contact))


@router.patch("/{customer_id}/contacts/{contact_id}", response=ContactOut)
def patch_contact(request, customer_id: int, contact_id: int, payload: ContactIn):
    contact = get_scoped(
        Contact.objects.filter(customer_id=customer_id),
        request.user,
        contact_id,
        Action.EDIT_CUSTOMERS,
    )
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items()}
    contact = update_contact(contact, actor=request.user, **changes)
    return _contact_out(contact)


@router.delete("/{customer_id}/contacts/{contact_id}", response={204: None})
def delete_contact(request, customer_id: int, contact_id: int):
    contact = get_scoped(
        Contact.objects.filter(customer_id=customer_id),
        request.user,
        contact_id,
        Action.EDIT_CUSTOMERS,
    )
    remove_contact(contact, actor=request.user)
    return Status(204, None)


# --- history -----------------------------------------------------------------------------------


class CustomerEventIn(Schema):
    # Loose types: the service names every wrong field at once, in the API's error shape.
    kind: str | None = None
    summary: str | None = None
    at: datetime.datetime | None = None
    channel: str | None = None
    contact: int | None = None


class CustomerEventOut(Schema):
    id: int
    customer: int
    at: datetime.datetime
    recorded_at: datetime.datetime
    kind: str
    channel: str
    summary: str
    contact: int | None
    contact_name: str
    source_type: str
    source_id: int | None
    source_label: str
    details: dict[str, Any]
    actor: str | None


class CustomerEventPage(Schema):
    items: list[CustomerEventOut]
    next_cursor: str | None


def event_out(event: CustomerEvent) -> dict:
    return {
        "id": event.pk,
        "customer": event.customer_id,
        "at": event.at,
        "recorded_at": event.recorded_at,
        "kind": event.kind,
        "channel": event.channel,
        "summary": event.summary,
        "contact": event.contact_id,
        "contact_name": event.contact_name,
        "source_type": event.source_type,
        "source_id": event.source_id,
        "source_label": event.source_label,
        "details": event.details,
        "actor": event.actor.get_username() if event.actor else None,
    }


@router.get("/{customer_id}/history", response=CustomerEventPage)
def list_history(
    request,
    customer_id: int,
    kind: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
):
    """The customer's history (statements sent, calls, visits, letters, notes), in the
    order recorded, newest first, with cursor pagination."""
    customer = get_scoped(Customer.objects, request.user, customer_id)
    events = customer_history(customer)
    if kind:
        events = events.filter(kind=kind)
    rows, next_cursor = paginate(events, cursor, limit)
    return {"items": [event_out(event) for event in rows], "next_cursor": next_cursor}


@router.post("/{customer_id}/history", response={201: CustomerEventOut})
def create_history_entry(request, customer_id: int, payload: CustomerEventIn):
    """Log a call, a visit, an email, a letter or a note (`at` defaults to now)."""
    customer = get_scoped(Customer.objects, request.user, customer_id, Action.EDIT_CUSTOMERS)
    given = payload.dict(exclude_unset=True)
    event = add_customer_event(
        customer,
        actor=request.user,
        kind=given.get("kind") or "",
        summary=given.get("summary") or "",
        at=given.get("at"),
        channel=given.get("channel"),
        contact=given.get("contact"),
    )
    return Status(201, event_out(event))
