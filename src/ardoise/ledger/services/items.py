"""Posting open items on customers' accounts (invoices, credit notes, payments, refunds,
write-offs): checked, inserted and audited together, all or nothing."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ardoise.audit.services import record_many
from ardoise.core.errors import Conflict, FieldError, InvalidInput
from ardoise.core.models import Company
from ardoise.core.money import is_currency
from ardoise.parties.models import Customer

from ..models import KIND_DIRECTIONS, Direction, ItemKind, OpenItem, RefundMethod
from .common import _amount, _date, _refuse_closed, item_snapshot, lock_customers


def _build_item(company: Company, spec: dict) -> OpenItem:
    errors: list[FieldError] = []
    customer = spec["customer"]
    if customer.company_id != company.pk:
        errors.append(
            FieldError("customer", "other_company", _("This customer belongs to another company."))
        )
    kind, direction = spec["kind"], spec["direction"]
    if kind not in KIND_DIRECTIONS:
        errors.append(FieldError("kind", "invalid", _("Unknown kind of item.")))
    elif direction not in KIND_DIRECTIONS[kind]:
        errors.append(
            FieldError("direction", "invalid", _("This kind of item cannot stand on that side."))
        )
    currency = spec["currency"]
    if not is_currency(currency):
        errors.append(FieldError("currency", "unknown", _("Unknown currency.")))
    method = spec.get("method") or ""
    if method and (kind != ItemKind.REFUND or method not in RefundMethod.values):
        errors.append(FieldError("method", "unknown", _("Unknown refund method.")))
    if errors:
        raise InvalidInput(errors)
    amount = _amount(spec["amount"], "amount", currency)
    document_date = _date(spec["document_date"], "document_date")
    due = spec.get("due_date")
    if direction == Direction.CREDIT:
        due = None  # a credit is available at once
    else:
        due = _date(due, "due_date", default=document_date)
        if due < document_date:
            raise InvalidInput.single(
                "due_date", "before_document", _("The due date is before the document date.")
            )
    return OpenItem(
        company=company,
        customer=customer,
        kind=kind,
        direction=direction,
        amount=amount,
        currency=currency,
        document_date=document_date,
        due_date=due,
        reference=spec.get("reference") or "",
        method=spec.get("method") or "",
        source_type=spec.get("source_type") or "",
        source_id=spec.get("source_id"),
    )


def _refuse_duplicate_sources(company: Company, items: list[OpenItem]) -> None:
    sources = [(i.source_type, i.source_id) for i in items if i.source_id is not None]
    if len(set(sources)) != len(sources):
        raise Conflict(_("The same source document is posted twice."), field="source_id")
    for source_type in {source_type for source_type, _id in sources}:
        ids = [source_id for kind, source_id in sources if kind == source_type]
        if OpenItem.objects.filter(
            company=company, source_type=source_type, source_id__in=ids
        ).exists():
            raise Conflict(
                _("This source document is already posted to the ledger."),
                field="source_id",
                rule="already_posted",
            )


def post_items(company: Company, specs: list[dict], *, actor) -> list[OpenItem]:
    """Post several open items (each a dict of `post_item`'s keyword arguments): one closed
    period query, one INSERT, one audit INSERT. All or nothing."""
    items = [_build_item(company, spec) for spec in specs]
    if not items:
        return []
    with transaction.atomic():
        # The first lock of the order, before the audit chain head that `record_many` takes.
        lock_customers(item.customer_id for item in items)
        _refuse_closed(company.pk, "document_date", *(item.document_date for item in items))
        _refuse_duplicate_sources(company, items)
        try:
            with transaction.atomic():
                created = OpenItem.objects.bulk_create(items, batch_size=500)
        except IntegrityError as error:  # a concurrent post of the same source
            raise Conflict(
                _("This source document is already posted to the ledger."),
                field="source_id",
                rule="already_posted",
            ) from error
        record_many(
            [
                {
                    "actor": actor,
                    "action": "ledger.item.post",
                    "obj": item,
                    "after": item_snapshot(item),
                }
                for item in created
            ]
        )
    return created


def post_item(
    company: Company,
    *,
    actor,
    customer: Customer,
    kind: str,
    direction: str,
    amount,
    currency: str,
    document_date,
    due_date=None,
    reference: str = "",
    method: str = "",
    source_type: str = "",
    source_id: int | None = None,
) -> OpenItem:
    """Post one open item on a customer's account."""
    spec = {
        "customer": customer,
        "kind": kind,
        "direction": direction,
        "amount": amount,
        "currency": currency,
        "document_date": document_date,
        "due_date": due_date,
        "reference": reference,
        "method": method,
        "source_type": source_type,
        "source_id": source_id,
    }
    return post_items(company, [spec], actor=actor)[0]
