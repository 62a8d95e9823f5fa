"""The ledger's lock order on PostgreSQL: the customer row, then the items, then the audit
chain head, in every path that posts or allocates.

Issuing a credit note posts its credit item (audited) and then matches it with its invoice
(which locks the customer). Unless the customer is locked before the posting's audit event,
the issue holds the audit chain head while it waits for the customer, and an allocation on
the same customer, which holds the customer and waits for the audit chain head, deadlocks
with it.
"""

import re
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ardoise.audit.models import AuditChainHead
from ardoise.core.models import DocumentSequence
from ardoise.invoicing import services
from ardoise.invoicing.services.posting import SOURCE_TYPE, post_missing
from ardoise.ledger import services as ledger
from ardoise.ledger.models import Allocation, OpenItem
from ardoise.parties.models import Customer

from .factories import CustomerFactory
from .test_invoicing_services import customer, draft, media_root, product, vat20, vat55

__all__ = ["customer", "draft", "media_root", "product", "vat20", "vat55"]

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite has no row locks (no SELECT ... FOR UPDATE)",
    ),
]
D = Decimal
PART = {"description": "Remise", "quantity": "1", "unit_price": "100", "tax_code": "S20"}


def item_of(document):
    return OpenItem.objects.get(source_type=SOURCE_TYPE, source_id=document.pk)


def row_locks(captured, table: str) -> list[tuple[int, set[int]]]:
    """(position among the queries, locked ids) of each SELECT ... FOR UPDATE on `table`."""
    ids = re.compile(rf'"{table}"\."id" (?:= (\d+)|IN \(([\d, ]+)\))')
    locks = []
    for position, query in enumerate(captured.captured_queries):
        sql = query["sql"]
        if "FOR UPDATE" in sql and f'FROM "{table}"' in sql:
            found = ids.search(sql)
            numbers = (found.group(1) or found.group(2)) if found else ""
            locks.append((position, {int(n) for n in re.findall(r"\d+", numbers)}))
    return locks


def assert_customers_before_audit(captured, *customers):
    """Every customer the action locks is locked before the first audit chain head lock."""
    audit = row_locks(captured, AuditChainHead._meta.db_table)
    assert audit, "the action records audit events"
    first_audit = audit[0][0]
    locked_before: set[int] = set()
    locked_after: set[int] = set()
    for position, ids in row_locks(captured, Customer._meta.db_table):
        (locked_before if position < first_audit else locked_after).update(ids)
    assert {c.pk for c in customers} <= locked_before
    assert locked_after <= locked_before, "a customer is first locked after the audit head"


def test_issuing_a_credit_note_locks_the_customer_before_the_audit_head(draft, clerk, customer):
    invoice = services.issue_invoice(draft, actor=clerk)
    note = services.create_credit_note(invoice, actor=clerk, lines=[PART], full=False)

    with CaptureQueriesContext(connection) as captured:
        note = services.issue_invoice(note, actor=clerk)

    assert_customers_before_audit(captured, customer)
    (allocation,) = Allocation.objects.filter(credit_item=item_of(note))
    assert (allocation.rule, allocation.amount) == ("credit_note", D("120.00"))


def test_a_backfill_locks_every_customer_it_matches_on_before_the_audit_head(
    draft, clerk, company, customer
):
    # Another customer's credit note left unmatched with its invoice: the backfill matches
    # it after posting the first customer's old invoice.
    other = CustomerFactory(company=company)
    other_invoice = services.issue_invoice(
        services.create_draft(company, actor=clerk, customer=other, lines=[PART]), actor=clerk
    )
    note = services.create_credit_note(other_invoice, actor=clerk, lines=[PART], full=False)
    note = services.issue_invoice(note, actor=clerk)
    Allocation.objects.filter(credit_item=item_of(note)).delete()
    invoice = services.issue_invoice(draft, actor=clerk)
    OpenItem.objects.filter(source_type=SOURCE_TYPE, source_id=invoice.pk).delete()

    with CaptureQueriesContext(connection) as captured:
        result = post_missing(company, actor=clerk)

    assert result.posted == [invoice]
    assert [credit_note for credit_note, _invoice in result.matched] == [note]
    assert_customers_before_audit(captured, customer, other)


def test_a_batch_locks_its_counters_then_its_customers_before_the_audit_head(
    draft, clerk, company, customer
):
    """One chunk with two sequences (an invoice and a credit note) and two customers, in
    two segments (two credit notes on one invoice): every counter is locked before the
    first customer, every customer before the first audit event, as in a single issue."""
    other = CustomerFactory(company=company)
    invoice = services.issue_invoice(draft, actor=clerk)
    notes = [
        services.create_credit_note(invoice, actor=clerk, lines=[PART], full=False)
        for _n in range(2)
    ]
    other_draft = services.create_draft(company, actor=clerk, customer=other, lines=[PART])

    with CaptureQueriesContext(connection) as captured:
        issued = services.issue_many([notes[0], notes[1], other_draft], actor=clerk, workers=0)

    assert len(issued) == 3
    counters = row_locks(captured, DocumentSequence._meta.db_table)
    customers = row_locks(captured, Customer._meta.db_table)
    assert counters and customers
    # Both sequences (invoice, credit note) locked before the first customer (the runs
    # lock them again later, which changes nothing: they are held).
    assert sum(1 for position, _ids in counters if position < customers[0][0]) >= 2
    assert_customers_before_audit(captured, customer, other)


@pytest.mark.django_db(transaction=True)
def test_an_allocation_holding_the_customer_and_a_credit_note_issue_never_deadlock(
    draft, clerk, company, customer
):
    """The allocation holds the customer's lock until the issue waits for a lock (on the
    customer, with the order kept; on the customer after taking the audit head, without it),
    then writes its own audit event. Both commit."""
    invoice = services.issue_invoice(draft, actor=clerk)
    payment = ledger.post_item(
        company,
        actor=clerk,
        customer=customer,
        kind="payment",
        direction="credit",
        amount=D("100.00"),
        currency="EUR",
        document_date=invoice.issue_date,
    )
    note = services.create_credit_note(invoice, actor=clerk, lines=[PART], full=False)
    ready = threading.Barrier(2)
    issuer: dict[str, int] = {}
    errors: list[BaseException] = []

    def allocate():
        try:
            with transaction.atomic():
                list(Customer.objects.select_for_update().filter(pk=customer.pk))
                ready.wait(timeout=30)
                wait_until_blocked(issuer["pid"])
                ledger.allocate(
                    actor=clerk,
                    debit_item=item_of(invoice),
                    credit_item=payment,
                    amount=D("100.00"),
                )
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connection.close()

    def issue():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                issuer["pid"] = cursor.fetchone()[0]
            ready.wait(timeout=30)
            services.issue_invoice(note, actor=clerk)
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate), threading.Thread(target=issue)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    rules = sorted(Allocation.objects.filter(debit_item=item_of(invoice)).values_list("rule"))
    assert rules == [("credit_note",), ("explicit",)]


def wait_until_blocked(pid: int, timeout: float = 20) -> None:
    """Until the backend `pid` waits for a lock held by another transaction."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cursor.fetchone()
            if row and row[0] == "Lock":
                return
            time.sleep(0.01)
    raise AssertionError("the credit note's issue never waited for the customer's lock")
