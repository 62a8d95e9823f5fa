"""Helpers shared by the ledger tests: post an item straight on an account, count what was
written (to prove a refusal changed nothing)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from ardoise.audit.models import AuditEvent
from ardoise.ledger import services
from ardoise.ledger.models import Allocation, OpenItem


def ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def post(company, customer, kind, direction, amount, date, reference, currency="EUR"):
    """An item posted without an actor; a debit falls due 30 days after its date."""
    return services.post_item(
        company,
        actor=None,
        customer=customer,
        kind=kind,
        direction=direction,
        amount=Decimal(amount),
        currency=currency,
        document_date=date,
        due_date=date + datetime.timedelta(days=30) if direction == "debit" else None,
        reference=reference,
    )


def written() -> tuple[int, int, int]:
    """How many items, allocations and audit events exist."""
    return (OpenItem.objects.count(), Allocation.objects.count(), AuditEvent.objects.count())
