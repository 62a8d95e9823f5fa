"""A payment's receipt: the next gapless receipt number and the archived PDF."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.audit.services import record
from ardoise.core.errors import Conflict, InvalidInput
from ardoise.core.roles import Action
from ardoise.core.sequences import take_next_number
from ardoise.core.tenancy import require

from ..models import RECEIPT_SEQUENCE, Payment
from .allocating import payment_allocations


def _issue_receipt_locked(payment: Payment, *, actor) -> Payment:
    from ..receipt import render_receipt

    today = timezone.localdate()
    if payment.date > today:
        raise InvalidInput.single(
            "date", "future", _("A receipt is for money already received, not a future date.")
        )
    number = take_next_number(payment.company, RECEIPT_SEQUENCE, today)
    payment.receipt_number, payment.receipt_year, payment.receipt_date = number, today.year, today
    content = render_receipt(payment, payment_allocations(payment))
    payment.receipt_sha256 = hashlib.sha256(content).hexdigest()
    payment.receipt_pdf.save(f"{payment.receipt_reference}.pdf", ContentFile(content), save=False)
    payment.save(
        update_fields=[
            "receipt_number",
            "receipt_year",
            "receipt_date",
            "receipt_pdf",
            "receipt_sha256",
        ]
    )
    record(
        actor=actor,
        action="payment.receipt.issue",
        obj=payment,
        after={"receipt_number": payment.receipt_reference, "sha256": payment.receipt_sha256},
    )
    return payment


def issue_receipt(payment: Payment, *, actor) -> Payment:
    """Give a payment its receipt: the next gapless receipt number and the archived PDF."""
    require(actor, payment.company_id, Action.ALLOCATE)
    with transaction.atomic():
        locked = (
            Payment.objects.select_for_update()
            .select_related("company", "customer")
            .get(pk=payment.pk)
        )
        if locked.receipt_number is not None:
            raise Conflict(
                _("This payment already has its receipt %(number)s.")
                % {"number": locked.receipt_reference},
                field="receipt_number",
                rule="already_issued",
            )
        return _issue_receipt_locked(locked, actor=actor)
