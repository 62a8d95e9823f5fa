"""Actions of the reporting domain: sending a customer its statement by email, recorded in
the audit trail and on the customer's history (`statement_sent`), in one transaction."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from ardoise.audit.services import record
from ardoise.core.errors import InvalidInput
from ardoise.core.formatting import babel_locale, format_money
from ardoise.core.roles import Action
from ardoise.core.tenancy import can, require
from ardoise.invoicing.pdf.formatting import format_date
from ardoise.parties.history import record_customer_event
from ardoise.parties.models import Contact, ContactRole, Customer, CustomerEventKind

from .statement_pdf import render_statement, statement_language
from .statements import Statement, customer_statement


@dataclass(frozen=True, slots=True)
class StatementSent:
    recipient: str
    language: str
    pdf_sha256: str
    closing_balance: Decimal
    currency: str


def billing_recipient(customer: Customer) -> str:
    """The billing contact's email (the first by name), else the customer's own email."""
    contacts = Contact.objects.filter(customer=customer).exclude(email="").order_by("name", "id")
    for contact in contacts:
        if ContactRole.BILLING in (contact.roles or []):
            return contact.email
    if customer.email:
        return customer.email
    raise InvalidInput.single(
        "email",
        "missing",
        "The customer has no billing contact with an email and no email of its own: "
        "add a contact with the role billing, or the customer's `email`.",
    )


def _require_sender(actor, customer: Customer) -> None:
    if not can(actor, customer.company_id, Action.EDIT_CUSTOMERS):
        require(actor, customer.company_id, Action.ALLOCATE)


def _message(statement: Statement, pdf: bytes, language: str, recipient: str) -> EmailMessage:
    locale = babel_locale(language)
    context = {
        "customer": statement.customer.name,
        "customer_code": statement.customer_code,
        "seller": statement.seller.name,
        "date_from": format_date(statement.date_from, locale),
        "date_to": format_date(statement.date_to, locale),
        "closing": format_money(statement.closing_balance, statement.currency, locale),
    }
    subject = render_to_string(f"reporting/email/statement_subject.{language}.txt", context)
    body = render_to_string(f"reporting/email/statement_body.{language}.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
    )
    name = f"statement-{statement.customer_code}-{statement.date_to.isoformat()}.pdf"
    message.attach(name, pdf, "application/pdf")
    return message


def send_statement(
    customer: Customer,
    *,
    actor,
    date_from: datetime.date,
    date_to: datetime.date,
    language: str | None = None,
) -> StatementSent:
    """Email the customer's statement for the period to its billing contact, PDF attached.

    The audit event ("statement.send" on the customer) is written in the transaction; the
    email leaves when it commits, so a refused or rolled-back send mails nothing."""
    _require_sender(actor, customer)
    statement = customer_statement(customer, date_from=date_from, date_to=date_to)
    recipient = billing_recipient(customer)
    language = statement_language(language or customer.language)
    pdf = render_statement(statement, language)
    digest = hashlib.sha256(pdf).hexdigest()
    message = _message(statement, pdf, language, recipient)
    sent = {
        "date_from": statement.date_from,
        "date_to": statement.date_to,
        "recipient": recipient,
        "language": language,
        "currency": statement.currency,
        "closing_balance": statement.closing_balance,
        "pdf_sha256": digest,
    }
    with transaction.atomic():
        audit = record(actor=actor, action="statement.send", obj=customer, after=sent)
        record_customer_event(
            customer,
            actor=actor,
            kind=CustomerEventKind.STATEMENT_SENT,
            summary=_("Statement from %(from)s to %(to)s sent to %(recipient)s.")
            % {
                "from": statement.date_from.isoformat(),
                "to": statement.date_to.isoformat(),
                "recipient": recipient,
            },
            details=sent | {"format": "pdf", "audit_event": audit.pk},
        )
        transaction.on_commit(message.send)
    return StatementSent(recipient, language, digest, statement.closing_balance, statement.currency)
