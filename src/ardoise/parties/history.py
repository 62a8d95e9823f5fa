"""The customer's history (contact history): writing an entry and reading the timeline.

Two ways in, one validation and one audit record each:
- `add_customer_event`: a person logs a call, a visit, an email, a letter or a note by hand;
  the role is checked here (clerk, accountant, admin; not the auditor).
- `record_customer_event`: another action writes the entry it caused (a statement sent, later
  a dunning letter), inside its own transaction, after its own role check.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.audit.services import normalize, record
from ardoise.core.errors import FieldError, InvalidInput
from ardoise.core.roles import Action
from ardoise.core.tenancy import require

from .models import Channel, Contact, Customer, CustomerEvent, CustomerEventKind

# What a person may log by hand; the other kinds are written by the actions they record.
MANUAL_KINDS = (
    CustomerEventKind.CALL,
    CustomerEventKind.VISIT,
    CustomerEventKind.EMAIL,
    CustomerEventKind.LETTER,
    CustomerEventKind.NOTE,
)
DEFAULT_CHANNELS: dict[str, str] = {
    CustomerEventKind.STATEMENT_SENT: Channel.EMAIL,
    CustomerEventKind.EMAIL: Channel.EMAIL,
    CustomerEventKind.CALL: Channel.PHONE,
    CustomerEventKind.VISIT: Channel.IN_PERSON,
    CustomerEventKind.LETTER: Channel.POST,
    CustomerEventKind.NOTE: Channel.INTERNAL,
}
SUMMARY_MAX = 4000
# A clock a little ahead on the client's side is not a date in the future.
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)


def event_snapshot(event: CustomerEvent) -> dict:
    return {
        "customer": event.customer.code,
        "at": event.at,
        "kind": event.kind,
        "channel": event.channel,
        "summary": event.summary,
        "contact": event.contact_id,
        "contact_name": event.contact_name,
        "source_type": event.source_type,
        "source_id": event.source_id,
        "source_label": event.source_label,
        "details": event.details,
    }


# --- validation ------------------------------------------------------------------------------


def _check_kind(kind: Any, channel: Any, kinds: tuple, errors: list[FieldError]) -> Any:
    if kind not in kinds:
        errors.append(
            FieldError(
                "kind",
                "choice",
                _("The kind must be one of %(choices)s.")
                % {"choices": ", ".join(str(k) for k in kinds)},
            )
        )
    if channel in (None, ""):
        return DEFAULT_CHANNELS.get(kind, Channel.INTERNAL) if isinstance(kind, str) else ""
    if channel not in Channel.values:
        errors.append(
            FieldError(
                "channel",
                "choice",
                _("The channel must be one of %(choices)s.")
                % {"choices": ", ".join(Channel.values)},
            )
        )
    return channel


def _check_summary(summary: Any, errors: list[FieldError]) -> str:
    if not isinstance(summary, str) or not summary.strip():
        errors.append(FieldError("summary", "required", _("Say what happened.")))
        return ""
    summary = summary.strip()
    if len(summary) > SUMMARY_MAX:
        errors.append(
            FieldError(
                "summary",
                "max_length",
                _("At most %(max)s characters are allowed.") % {"max": SUMMARY_MAX},
            )
        )
    return summary


def _check_at(at: Any, errors: list[FieldError]) -> datetime.datetime:
    now = timezone.now()
    if at is None:
        return now
    if not isinstance(at, datetime.datetime):
        errors.append(FieldError("at", "invalid", _("Give a date and time.")))
        return now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + FUTURE_TOLERANCE:
        errors.append(FieldError("at", "future", _("This is in the future.")))
    return at


def _check_contact(
    customer: Customer, contact: Any, errors: list[FieldError]
) -> tuple[Contact | None, str]:
    if contact in (None, ""):
        return None, ""
    contact_id = contact.pk if isinstance(contact, Contact) else contact
    found = (
        Contact.objects.filter(customer=customer, pk=contact_id).first()
        if isinstance(contact_id, int) and not isinstance(contact_id, bool)
        else None
    )
    if found is None:
        errors.append(FieldError("contact", "not_found", _("This customer has no such contact.")))
        return None, ""
    return found, found.name


def _check_source(
    source_type: Any, source_id: Any, source_label: Any, errors: list[FieldError]
) -> None:
    if not isinstance(source_type, str) or len(source_type) > 60:
        errors.append(FieldError("source_type", "invalid", _("Give a short source type.")))
    if source_id is not None and (
        isinstance(source_id, bool) or not isinstance(source_id, int) or source_id <= 0
    ):
        errors.append(FieldError("source_id", "invalid", _("Give a positive whole number.")))
    elif source_id is not None and not source_type:
        errors.append(FieldError("source_type", "required", _("Say what kind of document it is.")))
    if not isinstance(source_label, str) or len(source_label) > 200:
        errors.append(
            FieldError("source_label", "invalid", _("Give a label of 200 characters at most."))
        )


def _build(customer: Customer, *, actor, kinds: tuple, **given) -> CustomerEvent:
    """The entry, validated; InvalidInput listing every error, before anything is written."""
    errors: list[FieldError] = []
    channel = _check_kind(given["kind"], given.get("channel"), kinds, errors)
    summary = _check_summary(given["summary"], errors)
    at = _check_at(given.get("at"), errors)
    contact, contact_name = _check_contact(customer, given.get("contact"), errors)
    source_type = given.get("source_type") or ""
    _check_source(source_type, given.get("source_id"), given.get("source_label") or "", errors)
    details = given.get("details") or {}
    if not isinstance(details, dict):
        errors.append(FieldError("details", "type", _("Give details as an object.")))
    if errors:
        raise InvalidInput(errors)
    return CustomerEvent(
        company_id=customer.company_id,
        customer=customer,
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        kind=given["kind"],
        channel=channel,
        summary=summary,
        contact=contact,
        contact_name=contact_name,
        source_type=source_type,
        source_id=given.get("source_id"),
        source_label=given.get("source_label") or "",
        details=normalize(details),
    )


def _save(event: CustomerEvent, actor) -> CustomerEvent:
    event.save()
    record(actor=actor, action="customer.event.add", obj=event, after=event_snapshot(event))
    return event


# --- actions ---------------------------------------------------------------------------------


@transaction.atomic
def add_customer_event(
    customer: Customer,
    *,
    actor,
    kind: str,
    summary: str,
    at: datetime.datetime | None = None,
    channel: str | None = None,
    contact: Contact | int | None = None,
    source_type: str = "",
    source_id: int | None = None,
    source_label: str = "",
    details: dict | None = None,
) -> CustomerEvent:
    """Log by hand what happened with the customer: a call, a visit, an email, a letter, a
    note. `at` defaults to now and may not be in the future."""
    require(actor, customer.company_id, Action.EDIT_CUSTOMERS)
    event = _build(
        customer,
        actor=actor,
        kinds=MANUAL_KINDS,
        kind=kind,
        summary=summary,
        at=at,
        channel=channel,
        contact=contact,
        source_type=source_type,
        source_id=source_id,
        source_label=source_label,
        details=details,
    )
    return _save(event, actor)


@transaction.atomic
def record_customer_event(
    customer: Customer,
    *,
    actor,
    kind: str,
    summary: str,
    at: datetime.datetime | None = None,
    channel: str | None = None,
    contact: Contact | int | None = None,
    source_type: str = "",
    source_id: int | None = None,
    source_label: str = "",
    details: dict | None = None,
) -> CustomerEvent:
    """Write the entry another action caused, without the role check: call it inside that
    action's transaction, after its own check (as `send_statement` does)."""
    event = _build(
        customer,
        actor=actor,
        kinds=tuple(CustomerEventKind),
        kind=kind,
        summary=summary,
        at=at,
        channel=channel,
        contact=contact,
        source_type=source_type,
        source_id=source_id,
        source_label=source_label,
        details=details,
    )
    return _save(event, actor)


# --- reading ---------------------------------------------------------------------------------


def customer_history(customer: Customer) -> models.QuerySet[CustomerEvent]:
    """The customer's history, newest first (by when it happened, then as recorded)."""
    return (
        CustomerEvent.objects.filter(company_id=customer.company_id, customer=customer)
        .select_related("actor")
        .order_by("-at", "-id")
    )
