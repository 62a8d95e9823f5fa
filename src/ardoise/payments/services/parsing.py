"""A payment's arguments parsed and checked before anything is written (reads only).

`parse_payment` gives a `PaymentInput` or appends every refusal, each naming its field, so
`record_payment` and `batch.record_payments` refuse alike.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from ardoise.core.errors import FieldError
from ardoise.core.models import BankAccount, Company
from ardoise.core.money import MAX_AMOUNT, is_currency, quantize, to_decimal
from ardoise.ledger.models import Direction, ItemKind, OpenItem
from ardoise.parties.models import Customer

from ..models import Method, Payment

# The ledger source type of a payment's credit item.
SOURCE_TYPE = "payments.payment"


def _parse_date(value, field: str, errors: list[FieldError]) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        errors.append(FieldError(field, "invalid", _("Give a date as YYYY-MM-DD.")))
        return None


def _parse_amount(value, field: str, currency: str, errors: list[FieldError]) -> Decimal | None:
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError, InvalidOperation):
        errors.append(FieldError(field, "invalid", _("Give an amount as a number.")))
        return None
    if not amount.is_finite():
        errors.append(FieldError(field, "invalid", _("Give an amount as a number.")))
    elif amount <= 0:
        errors.append(FieldError(field, "positive", _("The amount must be greater than zero.")))
    elif amount > MAX_AMOUNT:
        errors.append(FieldError(field, "too_large", _("The amount is too large.")))
    elif is_currency(currency) and quantize(amount, currency) != amount:
        errors.append(
            FieldError(
                field,
                "precision",
                _("The amount has more decimals than the currency %(currency)s allows.")
                % {"currency": currency},
            )
        )
    else:
        return amount
    return None


def _parse_rate(value, errors: list[FieldError]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        rate = to_decimal(value)
    except (TypeError, ValueError, InvalidOperation):
        rate = Decimal("NaN")
    if not rate.is_finite() or rate <= 0 or rate >= Decimal("1e10"):
        errors.append(
            FieldError("exchange_rate", "positive", _("Give the exchange rate as a number > 0."))
        )
        return None
    return rate.quantize(Decimal("1e-8"))


def _check_currency(
    company: Company,
    customer: Customer,
    currency: str,
    rate: Decimal | None,
    errors: list[FieldError],
) -> None:
    """The payment is in the customer's currency or in the currency of a debit open on its
    account (a foreign-currency invoice); foreign to the company, it keeps its rate."""
    if not is_currency(currency):
        errors.append(FieldError("currency", "unknown", _("Unknown currency.")))
        return
    if (
        currency != customer.currency
        and not OpenItem.objects.filter(
            company=company, customer=customer, currency=currency, direction=Direction.DEBIT
        ).exists()
    ):
        errors.append(
            FieldError(
                "currency",
                "currency_mismatch",
                _("The customer is billed in %(currency)s, not in this currency.")
                % {"currency": customer.currency},
            )
        )
    if currency != company.currency and rate is None:
        errors.append(
            FieldError(
                "exchange_rate",
                "required",
                _("A payment in a foreign currency needs its exchange rate."),
            )
        )
    if currency == company.currency and rate is not None and rate != 1:
        errors.append(
            FieldError(
                "exchange_rate",
                "not_foreign",
                _("A payment in the company's own currency has no exchange rate."),
            )
        )


def _check_method_fields(
    company: Company, method: str, fields: dict[str, Any], date, errors: list[FieldError]
) -> None:
    if method not in Method.values:
        errors.append(FieldError("method", "invalid", _("Unknown payment method.")))
        return
    cheque_fields = ("cheque_number", "cheque_bank", "cheque_deposit_date")
    if method == Method.CHEQUE:
        if not str(fields.get("cheque_number") or "").strip():
            errors.append(
                FieldError("cheque_number", "required", _("A cheque payment needs its number."))
            )
        deposit = fields.get("cheque_deposit_date")
        if deposit is not None and date is not None and deposit < date:
            errors.append(
                FieldError(
                    "cheque_deposit_date",
                    "before_payment",
                    _("A cheque is deposited on or after the day it is received."),
                )
            )
    else:
        for name in cheque_fields:
            if fields.get(name):
                errors.append(
                    FieldError(name, "cheque_only", _("Only a cheque payment has this field."))
                )
    account = fields.get("bank_account")
    if account is not None and account.company_id != company.pk:
        errors.append(
            FieldError(
                "bank_account", "other_company", _("This bank account belongs to another company.")
            )
        )


def _bank_account(value, errors: list[FieldError]) -> BankAccount | None:
    if value in (None, ""):
        return None
    if isinstance(value, BankAccount):
        return value
    account = BankAccount.objects.filter(pk=value).first() if str(value).isdigit() else None
    if account is None:
        errors.append(FieldError("bank_account", "not_found", _("No such bank account.")))
    return account


@dataclass(frozen=True, slots=True)
class PaymentInput:
    """A payment's arguments once parsed and checked (`parse_payment`)."""

    customer: Customer
    amount: Decimal
    currency: str
    date: datetime.date
    method: str
    reference: str
    payer: str
    rate: Decimal | None
    fields: dict[str, Any]  # cheque fields and bank account
    allocations: list | None
    auto: bool
    receipt: bool

    def new_payment(self, company: Company, actor) -> Payment:
        return Payment(
            company=company,
            customer=self.customer,
            method=self.method,
            amount=self.amount,
            currency=self.currency,
            date=self.date,
            payer=self.payer or self.customer.legal_name,
            reference=self.reference,
            exchange_rate=self.rate,
            created_by=actor if getattr(actor, "pk", None) else None,
            **self.fields,
        )

    def credit_item_spec(self, payment: Payment) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "kind": ItemKind.PAYMENT,
            "direction": Direction.CREDIT,
            "amount": self.amount,
            "currency": self.currency,
            "document_date": self.date,
            "reference": (payment.cheque_number or self.reference)[:100],
            "source_type": SOURCE_TYPE,
            "source_id": payment.pk,
        }


def parse_payment(
    company: Company,
    errors: list[FieldError],
    *,
    customer: Customer,
    amount,
    currency: str,
    date,
    method: str,
    reference: str = "",
    allocations: list | None = None,
    auto: bool = False,
    payer: str = "",
    bank_account=None,
    cheque_number: str = "",
    cheque_bank: str = "",
    cheque_deposit_date=None,
    exchange_rate=None,
    receipt: bool | None = None,
) -> PaymentInput | None:
    """`record_payment`'s arguments parsed and checked (reads only): None, with the refusals
    appended to `errors`, when any breaks a rule."""
    count = len(errors)
    mine: list[FieldError] = []
    if not isinstance(customer, Customer) or customer.company_id != company.pk:
        mine.append(
            FieldError("customer", "other_company", _("This customer belongs to another company."))
        )
    currency = str(currency or "").upper()
    value = _parse_amount(amount, "amount", currency, mine)
    when = _parse_date(date, "date", mine)
    if when is None and not any(e.field == "date" for e in mine):
        mine.append(FieldError("date", "required", _("Give the payment's date.")))
    rate = _parse_rate(exchange_rate, mine)
    fields = {
        "cheque_number": (cheque_number or "").strip(),
        "cheque_bank": (cheque_bank or "").strip(),
        "cheque_deposit_date": _parse_date(cheque_deposit_date, "cheque_deposit_date", mine),
        "bank_account": _bank_account(bank_account, mine),
    }
    _check_method_fields(company, method, fields, when, mine)
    if not mine:
        _check_currency(company, customer, currency, rate, mine)
    reference, payer = (reference or "").strip(), (payer or "").strip()
    if len(reference) > 140:
        mine.append(FieldError("reference", "too_long", _("At most 140 characters.")))
    if len(payer) > 200:
        mine.append(FieldError("payer", "too_long", _("At most 200 characters.")))
    if auto and allocations:
        mine.append(
            FieldError("auto", "exclusive", _("Choose the invoices or automatic allocation."))
        )
    errors.extend(mine)
    if len(errors) > count or value is None or when is None:
        return None
    return PaymentInput(
        customer=customer,
        amount=value,
        currency=currency,
        date=when,
        method=method,
        reference=reference,
        payer=payer,
        rate=rate,
        fields=fields,
        allocations=allocations,
        auto=auto,
        receipt=receipt if receipt is not None else method == Method.CASH,
    )
