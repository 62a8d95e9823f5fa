"""The payment entry form of the staff pages: the payment's own fields, then the allocations
the clerk kept from the live suggestion (one ticked row per open invoice, with its amount).

The form parses and hands everything to `services.record_payment` in one call: its refusals
land next to the fields (or the allocation rows) they name, and nothing is saved.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ardoise.core.errors import BusinessError, FieldError, InvalidInput
from ardoise.core.forms import DateInput, ServiceForm, apply_service_errors
from ardoise.core.models import BankAccount, Company
from ardoise.core.money import to_decimal
from ardoise.invoicing.services.posting import SOURCE_TYPE as INVOICE_SOURCE
from ardoise.ledger.models import OpenItem
from ardoise.parties.models import Customer

from . import services
from .allocation import suggest_allocations
from .models import Method, Payment

AUTO, MANUAL = "auto", "manual"
ALLOCATION_FIELD = re.compile(r"^allocations\[(\d+)\]\.(\w+)$")


def company_customers(company: Company):
    return Customer.objects.filter(company=company, is_active=True).order_by("legal_name")


def parse_amount(text: str) -> Decimal | None:
    """A typed amount ("1 234,50" or "1234.50"), or None when it is not a number."""
    cleaned = (text or "").strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    try:
        value = to_decimal(cleaned.replace(",", "."))
    except (TypeError, ValueError, InvalidOperation):
        return None
    return value if value.is_finite() else None


class PaymentForm(ServiceForm):
    customer = forms.ModelChoiceField(queryset=Customer.objects.none(), label=_("Customer"))
    amount = forms.CharField(label=_("Amount"), max_length=30)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices)
    cheque_number = forms.CharField(label=_("Cheque number"), required=False, max_length=40)
    cheque_bank = forms.CharField(label=_("Drawee bank"), required=False, max_length=100)
    cheque_deposit_date = forms.DateField(
        label=_("Deposit date"), required=False, widget=DateInput()
    )
    reference = forms.CharField(label=_("Reference"), required=False, max_length=140)
    payer = forms.CharField(label=_("Payer"), required=False, max_length=200)
    bank_account = forms.ModelChoiceField(
        queryset=BankAccount.objects.none(),
        label=_("Bank account"),
        required=False,
        empty_label="—",
    )
    exchange_rate = forms.CharField(label=_("Exchange rate"), required=False, max_length=30)
    issue_receipt = forms.BooleanField(label=_("Issue a receipt now"), required=False)

    def __init__(self, *args, company: Company, actor, **kwargs):
        self.company, self.actor = company, actor
        self.payment: Payment | None = None
        # {invoice id: [messages]} for the allocation rows.
        self.row_errors: dict[int, list[str]] = {}
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = company_customers(company)  # type: ignore[attr-defined]
        self.fields["bank_account"].queryset = BankAccount.objects.filter(  # type: ignore[attr-defined]
            company=company
        )
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())
            self.initial.setdefault("method", Method.TRANSFER)

    # -------------------------------------------------------------- allocations

    def chosen_rows(self) -> list[tuple[int, str]]:
        """The ticked rows: (invoice id, amount as typed), in the order shown."""
        data = self.data
        rows = []
        for value in data.getlist("apply") if hasattr(data, "getlist") else []:
            if str(value).isdigit():
                rows.append((int(value), str(data.get(f"amount_{value}", "")).strip()))
        return rows

    @property
    def mode(self) -> str:
        return MANUAL if self.data.get("allocation_mode") == MANUAL else AUTO

    def _allocations(self) -> list[dict] | None:
        if self.mode == AUTO:
            return None
        rows = self.chosen_rows()
        return [
            {"invoice": invoice_id, "amount": parse_amount(text) or text}
            for invoice_id, text in rows
        ]

    def _row_error(self, allocations: list[dict] | None, item: FieldError) -> bool:
        match = ALLOCATION_FIELD.match(item.field)
        if not match or not allocations or int(match.group(1)) >= len(allocations):
            return False
        invoice_id = int(allocations[int(match.group(1))]["invoice"])
        self.row_errors.setdefault(invoice_id, []).append(item.message)
        return True

    # -------------------------------------------------------------- action

    def perform(self, cleaned: dict) -> None:
        allocations = self._allocations()
        customer = cleaned["customer"]
        amount = parse_amount(cleaned["amount"])
        try:
            self.payment = services.record_payment(
                self.company,
                actor=self.actor,
                customer=customer,
                amount=amount if amount is not None else cleaned["amount"],
                currency=customer.currency,
                date=cleaned["date"],
                method=cleaned["method"],
                reference=cleaned["reference"],
                payer=cleaned["payer"],
                bank_account=cleaned["bank_account"],
                cheque_number=cleaned["cheque_number"],
                cheque_bank=cleaned["cheque_bank"],
                cheque_deposit_date=cleaned["cheque_deposit_date"],
                exchange_rate=(parse_amount(cleaned["exchange_rate"]) or cleaned["exchange_rate"])
                or None,
                allocations=allocations,
                auto=allocations is None,
                receipt=True if cleaned.get("issue_receipt") else None,
            )
        except InvalidInput as error:
            rest = [item for item in error.errors if not self._row_error(allocations, item)]
            if len(rest) < len(error.errors):
                self.add_error(None, _("Some allocations are refused: see the invoices below."))
            if rest:
                apply_service_errors(self, InvalidInput(rest), self.field_map)
        except BusinessError as error:
            apply_service_errors(self, error, self.field_map)


def allocation_rows(
    customer: Customer | None, amount: Decimal | None, reference: str
) -> tuple[list[dict], Decimal | None]:
    """The customer's open debits with the suggested allocation of each (rule included), and
    what the suggestion leaves unapplied. Two queries; writes nothing."""
    if customer is None:
        return [], None
    debits = services.open_debits(customer, customer.currency)
    suggested = {}
    if amount is not None and amount > 0:
        suggested = {
            s.item_id: s for s in suggest_allocations(amount, customer.currency, reference, debits)
        }
    sources = dict(
        OpenItem.objects.filter(pk__in=[d.item_id for d in debits], source_type=INVOICE_SOURCE)
        .values_list("pk", "source_id")
        .order_by()
    )
    rows: list[dict[str, Any]] = []
    for debit in sorted(debits, key=lambda d: (d.due_date or d.document_date, d.item_id)):
        suggestion = suggested.get(debit.item_id)
        rows.append(
            {
                "debit": debit,
                "invoice_id": sources.get(debit.item_id),
                "suggested": suggestion.amount if suggestion else None,
                "rule": suggestion.rule if suggestion else "",
            }
        )
    left = None
    if amount is not None:
        left = amount - sum((row["suggested"] or Decimal(0) for row in rows), Decimal(0))
    return rows, left
