"""What a payment can be allocated to, and its allocations as lettering groups.

The open debits of a customer (or of many, in one query), the invoices chosen by hand with
their residuals, the automatic suggestion over them (`allocation`), and the groups handed to
the ledger's set-based allocation (`ledger.bulk`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.utils.translation import gettext as _

from ardoise.core.errors import FieldError, InvalidInput
from ardoise.core.models import Company
from ardoise.core.money import AMOUNT_DECIMAL_PLACES
from ardoise.invoicing.models import DocumentKind, Invoice, Status
from ardoise.invoicing.services.posting import SOURCE_TYPE as INVOICE_SOURCE
from ardoise.ledger import bulk
from ardoise.ledger.models import Allocation, AllocationRule, Direction, OpenItem
from ardoise.ledger.queries import residuals_sql, to_amount, to_date, with_residuals
from ardoise.parties.models import Customer

from ..allocation import OpenDebit, Suggestion, suggest_allocations
from ..models import Payment
from .parsing import _parse_amount

ZERO = Decimal(0)
AMOUNT_QUANTUM = Decimal(1).scaleb(-AMOUNT_DECIMAL_PLACES)
# Residuals "from now on": every allocation counts, later-dated ones included.
END_OF_TIME = datetime.date(9999, 12, 31)


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
    account: list[OpenDebit] = []
    last = None
    date, quantum = datetime.date, AMOUNT_QUANTUM
    # Tens of thousands of rows a batch: the conversions only where the database gives
    # other types than the ones wanted (SQLite's text dates and float residuals).
    for pk, customer_id, currency, reference, due_date, document_date, residual in rows:
        if (customer_id, currency) != last:
            last = (customer_id, currency)
            account = result.setdefault(last, [])
        account.append(
            OpenDebit(
                pk,
                reference,
                due_date if due_date is None or type(due_date) is date else to_date(due_date),
                document_date if type(document_date) is date else to_date(document_date),
                residual.quantize(quantum) if type(residual) is Decimal else to_amount(residual),
            )
        )
    return result


def suggest_for(
    customer: Customer, *, amount: Decimal, currency: str, reference: str = ""
) -> list[Suggestion]:
    """What `auto` would allocate (for the payment page's live suggestion)."""
    return suggest_allocations(amount, currency, reference, open_debits(customer, currency))


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
