"""Recording payments: one atomic, audited action each.

`record_payment` validates everything before it writes, then in one transaction creates the
payment, posts its credit item on the customer's account (ledger), allocates it (by hand or
by the suggestion of `allocation`) and, for cash, issues its receipt. Any refusal rolls the
whole back: a payment is never left half recorded.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.audit.services import record
from ardoise.core.errors import Conflict, FieldError, InvalidInput
from ardoise.core.models import BankAccount, Company
from ardoise.core.money import MAX_AMOUNT, is_currency, quantize, to_decimal
from ardoise.core.roles import Action
from ardoise.core.sequences import take_next_number
from ardoise.core.tenancy import require
from ardoise.invoicing.models import DocumentKind, Invoice, Status
from ardoise.invoicing.services.posting import SOURCE_TYPE as INVOICE_SOURCE
from ardoise.ledger import bulk
from ardoise.ledger import services as ledger
from ardoise.ledger.models import Allocation, AllocationRule, Direction, ItemKind, OpenItem
from ardoise.ledger.queries import residuals_sql, to_amount, to_date, with_residuals
from ardoise.parties.models import Customer

from ..allocation import OpenDebit, Suggestion, suggest_allocations
from ..models import RECEIPT_SEQUENCE, Method, Payment

ZERO = Decimal(0)
# Residuals "from now on": every allocation counts, later-dated ones included.
END_OF_TIME = datetime.date(9999, 12, 31)
SOURCE_TYPE = "payments.payment"


def payment_snapshot(payment: Payment) -> dict[str, Any]:
    return {
        "customer": payment.customer_id,
        "method": payment.method,
        "amount": payment.amount,
        "currency": payment.currency,
        "date": payment.date,
        "payer": payment.payer,
        "reference": payment.reference,
        "bank_account": payment.bank_account_id,
        "cheque_number": payment.cheque_number,
        "cheque_bank": payment.cheque_bank,
        "cheque_deposit_date": payment.cheque_deposit_date,
        "exchange_rate": payment.exchange_rate,
        "open_item": payment.open_item_id,
        "receipt_number": payment.receipt_reference,
    }


# ----------------------------------------------------------------------------- parsing


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


# ----------------------------------------------------------------------------- allocations


def _invoice_items(
    company: Company, customer: Customer, currency: str, allocations: list, amount: Decimal
) -> list[tuple[OpenItem, Decimal]]:
    """The debit items of the invoices chosen by hand, with their amounts; every refusal
    names the entry (allocations[n].invoice or .amount) and its rule."""
    errors: list[FieldError] = []
    if not isinstance(allocations, list) or not allocations:
        raise InvalidInput.single(
            "allocations", "required", _("Give at least one invoice to allocate to.")
        )
    wanted: list[tuple[int, int, Decimal | None]] = []
    for n, entry in enumerate(allocations):
        invoice = entry.get("invoice") if isinstance(entry, dict) else None
        invoice_id = invoice.pk if isinstance(invoice, Invoice) else invoice
        text = str(invoice_id or "")
        if not (text.isascii() and text.isdigit() and len(text) < 19):
            errors.append(
                FieldError(f"allocations[{n}].invoice", "required", _("Give the invoice."))
            )
            continue
        value = entry.get("amount") if isinstance(entry, dict) else None
        wanted.append(
            (n, int(text), _parse_amount(value, f"allocations[{n}].amount", currency, errors))
        )
    invoices = Invoice.objects.filter(company=company, pk__in=[i for _n, i, _a in wanted])
    by_id = {invoice.pk: invoice for invoice in invoices}
    items = with_residuals(
        OpenItem.objects.filter(
            company=company, source_type=INVOICE_SOURCE, source_id__in=list(by_id)
        ),
        END_OF_TIME,
    )
    item_of = {item.source_id: item for item in items}
    seen: set[int] = set()
    result: list[tuple[OpenItem, Decimal]] = []
    for n, invoice_id, value in wanted:
        field = f"allocations[{n}].invoice"
        invoice = by_id.get(invoice_id)
        item = item_of.get(invoice_id)
        if invoice is None:
            errors.append(FieldError(field, "not_found", _("No such invoice.")))
        elif invoice.customer_id != customer.pk:
            errors.append(
                FieldError(field, "other_customer", _("This invoice is another customer's."))
            )
        elif invoice.status != Status.ISSUED or invoice.kind != DocumentKind.INVOICE:
            errors.append(FieldError(field, "not_issued", _("Only an issued invoice is paid.")))
        elif item is None or item.direction != Direction.DEBIT:
            errors.append(FieldError(field, "nothing_due", _("Nothing is due on this invoice.")))
        elif item.currency != currency:
            errors.append(
                FieldError(
                    field,
                    "currency_mismatch",
                    _("The invoice is in %(currency)s, the payment is not.")
                    % {"currency": item.currency},
                )
            )
        elif invoice_id in seen:
            errors.append(FieldError(field, "duplicate", _("This invoice is listed twice.")))
        elif value is not None and value > item.residual:
            errors.append(
                FieldError(
                    f"allocations[{n}].amount",
                    "exceeds_residual",
                    _("The amount exceeds what is left on this invoice (%(residual)s).")
                    % {"residual": format(item.residual.normalize(), "f")},
                )
            )
        elif value is not None:
            result.append((item, value))
        seen.add(invoice_id)
    if not errors and sum((value for _i, value in result), ZERO) > amount:
        errors.append(
            FieldError(
                "allocations",
                "exceeds_payment",
                _("The allocations add up to more than the payment."),
            )
        )
    if errors:
        raise InvalidInput(errors)
    return result


def open_debits(customer: Customer, currency: str) -> list[OpenDebit]:
    """The customer's debits in the currency that still have something open (one query:
    the allocations summed per item once, not a subquery per item)."""
    return open_debits_of(customer.company_id, [customer.pk]).get((customer.pk, currency), [])


def open_debits_of(
    company_id: int, customer_ids: list[int]
) -> dict[tuple[int, str], list[OpenDebit]]:
    """The open debits of several customers of a company, by (customer, currency), in id
    order: one query, whatever the number of customers."""
    if not customer_ids:
        return {}
    marks = ", ".join(["%s"] * len(customer_ids))
    sql, params = residuals_sql(
        f"i.company_id = %s AND i.customer_id IN ({marks}) AND i.direction = %s",
        [company_id, *customer_ids, Direction.DEBIT.value],
        END_OF_TIME,
        ("customer_id", "currency", "reference", "due_date", "document_date"),
        allocations=f"a.company_id = %s AND a.customer_id IN ({marks})",
        allocation_params=[company_id, *customer_ids],
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) open_items WHERE residual > 0 ORDER BY id", params)  # noqa: S608
        rows = cursor.fetchall()
    result: dict[tuple[int, str], list[OpenDebit]] = {}
    for pk, customer_id, currency, reference, due_date, document_date, residual in rows:
        result.setdefault((customer_id, currency), []).append(
            OpenDebit(
                pk,
                reference,
                None if due_date is None else to_date(due_date),
                to_date(document_date),
                to_amount(residual),
            )
        )
    return result


def could_be_quoted(number: str, reference: str) -> bool:
    """False only when `allocation.referenced` cannot find the number in the reference:
    with both in ASCII, its case-insensitive search needs the number as a substring of the
    reference, ignoring case. Cheap, where compiling the search for every open invoice of
    an account cost some 0.25 ms each (most of a payment's time)."""
    number = number.strip()
    if not number:
        return False
    if number.isascii() and reference.isascii():
        return number.lower() in reference.lower()
    return True


def suggest(
    amount: Decimal, currency: str, reference: str, debits: list[OpenDebit]
) -> list[Suggestion]:
    """`allocation.suggest_allocations`, the same suggestions, without searching the
    reference for the numbers it cannot hold."""
    narrowed = [
        debit if could_be_quoted(debit.number, reference) else replace(debit, number="")
        for debit in debits
    ]
    return suggest_allocations(amount, currency, reference, narrowed)


def suggest_for(
    customer: Customer, *, amount: Decimal, currency: str, reference: str = ""
) -> list[Suggestion]:
    """What `auto` would allocate (for the payment page's live suggestion)."""
    return suggest(amount, currency, reference, open_debits(customer, currency))


def _group(
    payment: Payment,
    entries: list[tuple[int, Decimal, str]],
    entry_date: datetime.date,
    field: str = "allocations",
) -> bulk.Group:
    """The payment's allocations as one lettering group, each with the rule that chose it
    (entries: debit item id, amount, rule)."""
    assert payment.open_item_id is not None
    return bulk.Group(
        customer_id=payment.customer_id,
        entries=tuple(
            bulk.Entry(debit_id, payment.open_item_id, amount, rule)
            for debit_id, amount, rule in entries
        ),
        entry_date=entry_date,
        field=field,
    )


def _allocate(
    payment: Payment,
    entries: list[tuple[int, Decimal, str]],
    *,
    actor,
    entry_date: datetime.date | None = None,
) -> list[Allocation]:
    if not entries:
        return []
    group = _group(payment, entries, entry_date or payment.date)
    return bulk.allocate_groups([group], actor=actor)


def _suggested(
    suggestions: list[Suggestion],
) -> list[tuple[int, Decimal, str]]:
    return [(s.item_id, s.amount, s.rule) for s in suggestions]


def _auto_allocate(
    payment: Payment,
    *,
    actor,
    amount: Decimal | None = None,
    entry_date: datetime.date | None = None,
) -> list[Allocation]:
    """Allocate as `suggest_for` suggests: one lettering code, the rule kept per allocation."""
    suggestions = suggest_for(
        payment.customer,
        amount=payment.amount if amount is None else amount,
        currency=payment.currency,
        reference=payment.reference,
    )
    return _allocate(payment, _suggested(suggestions), actor=actor, entry_date=entry_date)


def _explicit(pairs: list[tuple[OpenItem, Decimal]]) -> list[tuple[int, Decimal, str]]:
    return [(item.pk, amount, AllocationRule.EXPLICIT) for item, amount in pairs]


def unallocated(payment: Payment) -> Decimal:
    """What is left of the payment to allocate, every allocation counted (later-dated ones
    and reversals included)."""
    if payment.open_item_id is None:
        return ZERO
    residual = (
        with_residuals(OpenItem.objects.filter(pk=payment.open_item_id), END_OF_TIME)
        .values_list("residual", flat=True)
        .first()
    )
    return payment.amount if residual is None else residual


# ----------------------------------------------------------------------------- actions


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


def payment_record_event(payment: Payment, actor) -> dict[str, Any]:
    return {
        "actor": actor,
        "action": "payment.record",
        "obj": payment,
        "after": payment_snapshot(payment),
    }


def record_payment(company: Company, *, actor, **arguments) -> Payment:
    """Record a payment received from a customer and allocate it: by hand (`allocations`:
    [{"invoice": Invoice or id, "amount"}]) or automatically (`auto`); what is not allocated
    stays as unapplied cash on the account. Cash gets its receipt at once (`receipt`
    overrides). The arguments are `parse_payment`'s: customer, amount, currency, date,
    method, reference, allocations, auto, payer, bank_account, cheque_number, cheque_bank,
    cheque_deposit_date, exchange_rate, receipt."""
    require(actor, company, Action.ALLOCATE)
    errors: list[FieldError] = []
    parsed = parse_payment(company, errors, **arguments)
    if parsed is None:
        raise InvalidInput(errors)
    customer = parsed.customer
    with transaction.atomic():
        # The customer first, before anything audited takes the audit chain head (the
        # ledger's lock order): its lettering codes and open items are ours until commit.
        bulk.lock_customers([customer.pk])
        if parsed.allocations is not None:
            entries = _explicit(
                _invoice_items(
                    company, customer, parsed.currency, parsed.allocations, parsed.amount
                )
            )
        elif parsed.auto:
            entries = _suggested(
                suggest_for(
                    customer,
                    amount=parsed.amount,
                    currency=parsed.currency,
                    reference=parsed.reference,
                )
            )
        else:
            entries = []
        payment = parsed.new_payment(company, actor)
        payment.save()
        payment.open_item = ledger.post_items(
            company, [parsed.credit_item_spec(payment)], actor=actor
        )[0]
        payment.save(update_fields=["open_item"])
        # The allocations and the payment's own audit event in one append to the chain.
        groups = [_group(payment, entries, parsed.date)] if entries else []
        bulk.allocate_groups(
            groups, actor=actor, also_record=[payment_record_event(payment, actor)]
        )
        if parsed.receipt:
            _issue_receipt_locked(payment, actor=actor)
        return payment


def allocate_payment(
    payment: Payment, *, actor, allocations: list | None = None, auto: bool = False
) -> list[Allocation]:
    """Allocate more of a recorded payment's unapplied amount: to the invoices given
    (`allocations`: [{"invoice": Invoice or id, "amount"}]) or automatically (`auto`).

    The ledger re-checks every residual under its locks, so two concurrent calls never
    allocate more than the payment; the check here only names the fields clearly."""
    require(actor, payment.company_id, Action.ALLOCATE)
    if auto and allocations:
        raise InvalidInput.single(
            "auto", "exclusive", _("Choose the invoices or automatic allocation.")
        )
    if not auto and not allocations:
        raise InvalidInput.single(
            "allocations", "required", _("Give at least one invoice to allocate to.")
        )
    with transaction.atomic():
        payment = Payment.objects.select_related("company", "customer", "open_item").get(
            pk=payment.pk
        )
        left = unallocated(payment)
        if left <= 0:
            raise Conflict(
                _("Nothing is left of this payment to allocate."),
                field="allocations",
                rule="fully_allocated",
            )
        today = timezone.localdate()
        if auto:
            made = _auto_allocate(payment, actor=actor, amount=left, entry_date=today)
            if not made:
                raise Conflict(
                    _("No invoice of this customer is open in this currency."),
                    field="auto",
                    rule="nothing_due",
                )
            return made
        explicit = _invoice_items(
            payment.company, payment.customer, payment.currency, allocations or [], left
        )
        return _allocate(payment, _explicit(explicit), actor=actor, entry_date=today)


def payment_allocations(payment: Payment) -> list[Allocation]:
    """The payment's live allocations (those not reversed), oldest first."""
    if payment.open_item_id is None:
        return []
    return list(
        Allocation.objects.filter(
            credit_item_id=payment.open_item_id, reverses__isnull=True, reversal__isnull=True
        )
        .select_related("debit_item")
        .order_by("id")
    )


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
