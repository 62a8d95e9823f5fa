"""Forms of the ledger's staff pages: refund a credit, write off a small difference, close a
month. Each parses its fields and runs one service action; the action's refusals land next
to the fields they name (or on top of the form), and nothing is written."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ardoise.core.errors import BusinessError
from ardoise.core.forms import DateInput, ServiceForm
from ardoise.core.models import Company
from ardoise.core.money import quantize, to_decimal

from . import services
from .models import Allocation, ClosedPeriod, OpenItem, RefundMethod


def parse_amount(text: str) -> Decimal | str:
    """A typed amount ("1 234,50" or "1234.50"); what was typed when it is not a number, so
    that the service refuses it with its own message."""
    cleaned = (text or "").strip()
    for space in ("\u202f", "\xa0", " "):
        cleaned = cleaned.replace(space, "")
    try:
        value = to_decimal(cleaned.replace(",", "."))
    except (TypeError, ValueError, InvalidOperation):
        return text
    return value if value.is_finite() else text


class LedgerForm(ServiceForm):
    """Errors on fields the form does not show (e.g. `credit_item`) go on top of the form
    with their message alone."""

    def clean(self):
        cleaned = forms.Form.clean(self)
        if self.errors:
            return cleaned
        try:
            self.perform(cleaned)
        except BusinessError as error:
            for item in error.errors:
                field = self.field_map.get(item.field, item.field)
                if field in self.fields and field not in self.errors:
                    self.add_error(field, item.message)
                elif field not in self.fields:
                    self.add_error(None, item.message)
        return cleaned


def _date_field(label) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput())


class RefundForm(LedgerForm):
    amount = forms.CharField(label=_("Amount"), max_length=30)
    date = _date_field(_("Date"))
    method = forms.ChoiceField(label=_("Method"), choices=RefundMethod.choices)
    reference = forms.CharField(label=_("Reference"), required=False, max_length=100)

    def __init__(self, *args, credit_item: OpenItem, actor, residual: Decimal | None, **kwargs):
        self.credit_item, self.actor = credit_item, actor
        self.allocation: Allocation | None = None
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())
            self.initial.setdefault("method", RefundMethod.TRANSFER)
            if residual is not None and residual > 0:
                amount = quantize(residual, credit_item.currency)
                self.initial.setdefault("amount", format(amount, "f"))

    def perform(self, cleaned: dict) -> None:
        self.allocation = services.refund_credit(
            self.credit_item,
            actor=self.actor,
            amount=parse_amount(cleaned["amount"]),
            date=cleaned["date"],
            method=cleaned["method"],
            reference=cleaned["reference"],
        )


class WriteOffForm(LedgerForm):
    reason = forms.CharField(label=_("Reason"), max_length=100)
    date = _date_field(_("Date"))

    def __init__(self, *args, debit_item: OpenItem, actor, **kwargs):
        self.debit_item, self.actor = debit_item, actor
        self.allocation: Allocation | None = None
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())

    def perform(self, cleaned: dict) -> None:
        self.allocation = services.write_off_residual(
            self.debit_item, actor=self.actor, reason=cleaned["reason"], date=cleaned["date"]
        )


class ClosePeriodForm(LedgerForm):
    # "2026-10", as an <input type="month"> sends it.
    month = forms.CharField(
        label=_("Month"), max_length=7, widget=forms.TextInput(attrs={"type": "month"})
    )
    field_map = {"year": "month"}

    def __init__(self, *args, company: Company, actor, **kwargs):
        self.company, self.actor = company, actor
        self.period: ClosedPeriod | None = None
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
            self.initial.setdefault("month", last_month.strftime("%Y-%m"))

    def clean_month(self) -> tuple[str, str]:
        year, dash, month = self.cleaned_data["month"].strip().partition("-")
        if not dash or not year.isdigit() or not month.isdigit():
            raise forms.ValidationError(_("Give a month as YYYY-MM."), code="invalid")
        return year, month

    def perform(self, cleaned: dict) -> None:
        year, month = cleaned["month"]
        self.period = services.close_period(self.company, actor=self.actor, year=year, month=month)
