"""Recording many payments at once (`payments.batch.record_payments`): the same result as
recording them one by one with `record_payment`, all or nothing, refusals naming the
payment. The equivalence is shown on twin companies: one records the payments one by one,
the other in one batch, and their ledgers, allocations, receipts and audit trails match."""

import datetime
import threading
import time
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ardoise.audit.models import AuditEvent
from ardoise.core.errors import InvalidInput
from ardoise.invoicing import services as invoicing
from ardoise.ledger import services as ledger
from ardoise.ledger.models import Allocation, OpenItem
from ardoise.parties.models import Customer
from ardoise.payments import services
from ardoise.payments.allocation import suggest_allocations
from ardoise.payments.batch import record_payments
from ardoise.payments.models import Payment
from ardoise.payments.services import open_debits_of

from .factories import CompanyFactory, CustomerFactory, TaxCodeFactory, member
from .test_invoicing_services import make_draft, media_root

__all__ = ["media_root"]

D = Decimal
CENTS = D("0.01")


def ago(days):
    return timezone.localdate() - datetime.timedelta(days=days)


def twin(customers=3):
    company = CompanyFactory()
    clerk = member(company, "clerk")
    accounts = [CustomerFactory(company=company) for _ in range(customers)]
    return company, clerk, accounts


def post_debits(company, clerk, accounts, invoices):
    for n, (customer, cents, days) in enumerate(invoices):
        ledger.post_item(
            company,
            actor=clerk,
            customer=accounts[customer],
            kind="invoice",
            direction="debit",
            amount=D(cents) * CENTS,
            currency="EUR",
            document_date=ago(days),
            due_date=ago(days) + datetime.timedelta(days=30),
            reference=f"FA-{n + 1}",
        )


def spec(accounts, who, cents, days, method="transfer", reference="", **extra):
    arguments = {
        "customer": accounts[who],
        "amount": D(cents) * CENTS,
        "currency": "EUR",
        "date": ago(days),
        "method": method,
        "reference": reference,
        "auto": True,
    }
    if method == "cheque":
        arguments["cheque_number"] = f"CHQ-{cents}"
    arguments.update(extra)
    return arguments


def state(company):
    """Everything the two paths must agree on, with ids replaced by positions."""
    customers = {
        pk: n
        for n, pk in enumerate(
            Customer.objects.filter(company=company).order_by("id").values_list("pk", flat=True)
        )
    }
    items = list(OpenItem.objects.filter(company=company).order_by("id"))
    position = {item.pk: n for n, item in enumerate(items)}
    events = AuditEvent.objects.filter(company_id=company.pk).order_by("position")
    return {
        "items": [
            (customers[i.customer_id], i.kind, i.direction, i.amount, i.document_date, i.reference)
            for i in items
        ],
        "payments": [
            (
                customers[p.customer_id],
                p.method,
                p.amount,
                p.date,
                p.reference,
                p.cheque_number,
                position[p.open_item_id],
                p.receipt_reference,
            )
            for p in Payment.objects.filter(company=company).order_by("id")
        ],
        "allocations": [
            (
                customers[a.customer_id],
                position[a.debit_item_id],
                position[a.credit_item_id],
                a.amount,
                a.effective_date,
                a.entry_date,
                a.lettering,
                a.rule,
            )
            for a in Allocation.objects.filter(company=company).order_by("id")
        ],
        "audit": Counter(events.values_list("action", flat=True)),
        "allocation_amounts": [
            e.after["amount"] for e in events.filter(action="ledger.allocation.create")
        ],
    }


def both_ways(invoices, payments, customers=3):
    """The same payments on twin companies: one by one, then in a batch."""
    results = []
    for batch in (False, True):
        company, clerk, accounts = twin(customers)
        post_debits(company, clerk, accounts, invoices)
        specs = [spec(accounts, *payment) for payment in payments]
        if batch:
            made = record_payments(company, specs, actor=clerk)
            assert len(made) == len(specs)
        else:
            for arguments in specs:
                services.record_payment(company, actor=clerk, **arguments)
        results.append(state(company))
    return results


@pytest.mark.django_db
def test_a_batch_gives_what_one_by_one_gives():
    # Three customers; payments that settle several invoices, quote an invoice number,
    # pay in cash (receipts) and leave unapplied cash; customer 0 pays three times.
    invoices = [(0, 12000, 80), (0, 24000, 60), (0, 36000, 30), (1, 5000, 40), (1, 5000, 10)]
    invoices += [(2, 9999, 5)]
    payments = [
        (0, 15000, 20),
        (1, 6000, 3, "cash"),
        (0, 10000, 10, "cheque", "FA-3"),
        (2, 20000, 1, "transfer", "facture FA-6"),
        (0, 50000, 0, "cash"),
        (1, 100, 0),
    ]
    sequential, batch = both_ways(invoices, payments)
    assert batch == sequential
    assert sequential["audit"]["payment.receipt.issue"] == 2
    assert {rule for *_x, rule in sequential["allocations"]} == {"oldest_due", "reference"}
    # one lettering code per payment that allocates
    assert [a[6] for a in sequential["allocations"] if a[0] == 0] == ["AA", "AA", "AB", "AC", "AC"]


invoice_strategy = st.lists(
    st.tuples(st.integers(0, 2), st.integers(1, 40_000), st.integers(0, 90)),
    min_size=0,
    max_size=10,
)
payment_strategy = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.integers(1, 60_000),
        st.integers(0, 90),
        st.sampled_from(["transfer", "transfer", "cheque", "cash"]),
        st.sampled_from(["", "", "FA-1", "FA-2 FA-4", "FA-7"]),
    ),
    min_size=1,
    max_size=8,
)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(invoices=invoice_strategy, payments=payment_strategy)
def test_property_a_batch_and_one_by_one_agree(invoices, payments):
    sequential, batch = both_ways(invoices, payments)
    assert batch == sequential


def issue(company, clerk, customer, net, days):
    draft = make_draft(company, clerk, customer, amount=net)
    return invoicing.issue_invoice(draft, actor=clerk, issue_date=ago(days))


@pytest.mark.django_db
def test_invoices_chosen_by_hand_give_the_same_result():
    results = []
    for batch in (False, True):
        company, clerk, accounts = twin(2)
        TaxCodeFactory(company=company, code="S20", rate=D("20"))
        first = issue(company, clerk, accounts[0], "100", 40)  # 120.00
        second = issue(company, clerk, accounts[0], "200", 20)  # 240.00
        third = issue(company, clerk, accounts[1], "300", 10)  # 360.00
        specs = [
            spec(
                accounts,
                0,
                20000,
                5,
                auto=False,
                allocations=[{"invoice": second, "amount": "200.00"}],
            ),
            spec(
                accounts,
                1,
                36000,
                2,
                "cheque",
                auto=False,
                allocations=[{"invoice": third.pk, "amount": "360.00"}],
            ),
            spec(accounts, 0, 10000, 1),  # auto: the oldest first
            spec(
                accounts,
                0,
                5000,
                0,
                "cash",
                auto=False,
                allocations=[{"invoice": first, "amount": "20.00"}],
            ),
        ]
        if batch:
            record_payments(company, specs, actor=clerk)
        else:
            for arguments in specs:
                services.record_payment(company, actor=clerk, **arguments)
        results.append(state(company))
    assert results[1] == results[0]
    assert [a[3] for a in results[0]["allocations"]] == [
        D("200.00"),
        D("360.00"),
        D("100.00"),
        D("20.00"),
    ]


def written():
    return (
        Payment.objects.count(),
        OpenItem.objects.count(),
        Allocation.objects.count(),
        AuditEvent.objects.count(),
    )


def refusals(company, clerk, specs):
    before = written()
    with pytest.raises(InvalidInput) as caught:
        record_payments(company, specs, actor=clerk)
    assert written() == before, "a refused batch writes nothing"
    return [(e.field, e.rule) for e in caught.value.errors]


@pytest.mark.django_db
def test_bad_input_anywhere_refuses_the_whole_batch_and_names_the_payments():
    company, clerk, accounts = twin(2)
    post_debits(company, clerk, accounts, [(0, 10000, 10), (1, 10000, 10)])
    stranger = CustomerFactory(company=CompanyFactory(code="elsewhere"))
    specs = [
        spec(accounts, 0, 5000, 1),
        spec(accounts, 1, 5000, 1, amount="-3"),
        spec(accounts, 0, 5000, 1, date="31/12/2026"),
        spec(accounts, 0, 5000, 1, method="cheque", cheque_number=""),
        spec(accounts, 0, 5000, 1, customer=stranger),
        spec(accounts, 0, 5000, 1, currency="XXY"),
        spec(accounts, 0, 5000, 1, auto=True, allocations=[{"invoice": 1, "amount": "1"}]),
        spec(accounts, 0, 5000, -3, method="cash"),
        spec(accounts, 1, 5000, 1, colour="blue"),
    ]
    assert refusals(company, clerk, specs) == [
        ("payments[1].amount", "positive"),
        ("payments[2].date", "invalid"),
        ("payments[3].cheque_number", "required"),
        ("payments[4].customer", "other_company"),
        ("payments[5].currency", "unknown"),
        ("payments[6].auto", "exclusive"),
        ("payments[7].date", "future"),
        ("payments[8].__all__", "invalid"),
    ]
    assert Payment.objects.count() == 0


@pytest.mark.django_db
def test_a_closed_period_is_refused_for_the_payment_and_for_its_allocations(admin_user):
    company, clerk, accounts = twin(1)
    admin = member(company, "admin")
    today = timezone.localdate()
    # An invoice dated next month, then that month closed: a payment dated today would
    # allocate in it (the effective date is the later of the two dates).
    next_month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    post_debits(company, clerk, accounts, [(0, 10000, (today - next_month).days)])
    ledger.close_period(company, actor=admin, year=next_month.year, month=next_month.month)
    assert refusals(company, clerk, [spec(accounts, 0, 100, 0), spec(accounts, 0, 5000, 0)]) == [
        ("payments[0].allocations[0].effective_date", "closed_period")
    ]
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    ledger.close_period(company, actor=admin, year=last_month.year, month=last_month.month)
    specs = [spec(accounts, 0, 100, (today - last_month).days, auto=False)]
    assert refusals(company, clerk, specs) == [("payments[0].date", "closed_period")]


@pytest.mark.django_db
def test_a_later_dated_reversal_does_not_let_the_batch_over_allocate_earlier_dates():
    # 100.00 due since 40 days; a 60.00 payment allocated at once, its allocation reversed
    # 10 days ago: the invoice is 40.00 open from 40 to 11 days ago, 100.00 since.
    company, clerk, accounts = twin(1)
    post_debits(company, clerk, accounts, [(0, 10000, 40)])
    first = services.record_payment(company, actor=clerk, **spec(accounts, 0, 6000, 40))
    (allocation,) = services.payment_allocations(first)
    ledger.reverse_allocation(allocation, actor=clerk, date=ago(10))
    # Auto suggests what is open today (100.00); dated 30 days ago, only 40.00 may go.
    assert refusals(company, clerk, [spec(accounts, 0, 10000, 30)]) == [
        ("payments[0].allocations[0].amount", "exceeds_residual")
    ]
    with pytest.raises(InvalidInput) as caught:
        services.record_payment(company, actor=clerk, **spec(accounts, 0, 10000, 30))
    assert caught.value.errors[0].rule == "exceeds_residual"
    # Dated after the reversal, it takes the lot.
    (payment,) = record_payments(company, [spec(accounts, 0, 10000, 5)], actor=clerk)
    assert [a.amount for a in services.payment_allocations(payment)] == [D("100.00")]


@pytest.mark.django_db
def test_two_currencies_each_payment_settles_its_own():
    company, clerk, accounts = twin(1)
    post_debits(company, clerk, accounts, [(0, 10000, 20)])
    ledger.post_item(
        company,
        actor=clerk,
        customer=accounts[0],
        kind="invoice",
        direction="debit",
        amount=D("500.00"),
        currency="USD",
        document_date=ago(30),
        reference="FA-USD",
    )
    euros, dollars = record_payments(
        company,
        [
            spec(accounts, 0, 30000, 1),
            spec(accounts, 0, 20000, 1, currency="USD", exchange_rate="0.92"),
        ],
        actor=clerk,
    )
    assert [(a.debit_item.currency, a.amount) for a in services.payment_allocations(euros)] == [
        ("EUR", D("100.00"))
    ]
    assert [(a.debit_item.currency, a.amount) for a in services.payment_allocations(dollars)] == [
        ("USD", D("200.00"))
    ]
    assert dollars.exchange_rate == D("0.92")
    assert services.unallocated(euros) == D("200.00")
    assert refusals(company, clerk, [spec(accounts, 0, 100, 1, currency="USD")]) == [
        ("payments[0].exchange_rate", "required")
    ]


@pytest.mark.django_db
def test_a_batch_costs_a_fixed_number_of_queries_per_chunk():
    def queries(count):
        company, clerk, accounts = twin(count)
        post_debits(company, clerk, accounts, [(n, 10000, 10) for n in range(count)] * 2)
        specs = [spec(accounts, n, 15000, 1) for n in range(count)]
        record_payments(company, specs[:1], actor=clerk)  # the role, read once per user
        with CaptureQueriesContext(connection) as captured:
            record_payments(company, specs, actor=clerk)
        return len(captured)

    assert queries(2) == queries(30)


@pytest.mark.django_db
def test_one_payment_costs_a_fixed_number_of_queries():
    company, clerk, accounts = twin(1)
    post_debits(company, clerk, accounts, [(0, 1000, 10 - n) for n in range(10)])
    services.record_payment(company, actor=clerk, **spec(accounts, 0, 100, 1))

    def queries(cents):
        with CaptureQueriesContext(connection) as captured:
            services.record_payment(company, actor=clerk, **spec(accounts, 0, cents, 1))
        return len(captured)

    # One allocation or four: the same queries (28 with the savepoints, 38 for two
    # allocations and 8 more per allocation before the set-based ledger path). One of them
    # is the customer's lock taken again by `post_items` (for callers that did not).
    assert queries(500) == queries(3500) == 28


# ----------------------------------------------------------------------------- races

THREADS = 9


def run_threads(works):
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(works))

    def target(work):
        try:
            barrier.wait()
            work()
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def one_invoice_and_credits():
    """An invoice of 100.00 and, for the threads that allocate by hand, payments' credits
    of 30.00 already on the account."""
    company, clerk, accounts = twin(1)
    post_debits(company, clerk, accounts, [(0, 10000, 10)])
    debit = OpenItem.objects.get(company=company, direction="debit")
    credits = [
        ledger.post_item(
            company,
            actor=clerk,
            customer=accounts[0],
            kind="payment",
            direction="credit",
            amount=D("30.00"),
            currency="EUR",
            document_date=ago(1),
        )
        for _ in range(THREADS)
    ]
    return company, clerk, accounts[0], debit, credits


def allocated(debit):
    return Allocation.objects.filter(debit_item=debit).aggregate(s=Sum("amount"))["s"] or D(0)


@pytest.mark.postgres_only
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite serializes writers"
)
@pytest.mark.django_db(transaction=True)
def test_control_a_batch_without_the_locks_over_allocates():
    company, clerk, customer, debit, credits = one_invoice_and_credits()

    def naive(credit):
        def work():
            with transaction.atomic():
                debits = open_debits_of(company.pk, [customer.pk])[(customer.pk, "EUR")]
                suggestions = suggest_allocations(D("30.00"), "EUR", "", debits)
                time.sleep(0.02)  # the work between reading and writing
                Allocation.objects.bulk_create(
                    Allocation(
                        company=company,
                        customer=customer,
                        debit_item_id=s.item_id,
                        credit_item=credit,
                        amount=s.amount,
                        entry_date=ago(1),
                        effective_date=ago(1),
                        lettering="ZZ",
                        rule=s.rule,
                    )
                    for s in suggestions
                )

        return work

    assert run_threads([naive(credit) for credit in credits]) == []
    assert allocated(debit) > debit.amount, "without the locks, a batch over-allocates"


@pytest.mark.postgres_only
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite serializes writers"
)
@pytest.mark.django_db(transaction=True)
def test_batches_single_payments_and_allocations_on_one_invoice_never_over_allocate():
    company, clerk, customer, debit, credits = one_invoice_and_credits()
    payment = spec([customer], 0, 3000, 1)

    def batch():
        record_payments(company, [payment, payment], actor=clerk)

    def single():
        services.record_payment(company, actor=clerk, **payment)

    def by_hand(credit):
        return lambda: ledger.allocate(
            actor=clerk, debit_item=debit, credit_item=credit, amount=D("30.00")
        )

    works = [work for n in range(THREADS // 3) for work in (batch, single, by_hand(credits[n]))]
    errors = run_threads(works)
    # Every path locks the customer first: no deadlock, no over-allocation. Only an
    # allocation by hand can be refused (auto takes what is left, possibly nothing).
    assert all(
        isinstance(e, InvalidInput) and e.errors[0].rule == "exceeds_residual" for e in errors
    ), errors
    assert allocated(debit) == D("100.00")
    assert Payment.objects.filter(company=company).count() == 3 * 2 + 3
    letters = Allocation.objects.filter(customer=customer).values_list("lettering", flat=True)
    assert len(set(letters)) == Allocation.objects.filter(customer=customer).count()


# ----------------------------------------------------------------------------- import


@pytest.fixture
def csv_account(company, clerk):
    account = CustomerFactory(company=company, code="C-LYON")
    post_debits(company, clerk, [account], [(0, 12000, 40), (0, 24000, 20)])
    return account


def import_file(tmp_path, text, company, clerk, *extra):
    path = tmp_path / "payments.csv"
    path.write_text(text, encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command(
        "import_payments",
        str(path),
        "--company",
        company.code,
        "--user",
        clerk.username,
        *extra,
        stdout=out,
        stderr=err,
    )
    return out.getvalue(), err.getvalue()


def test_import_payments_records_a_csv_file(company, clerk, csv_account, tmp_path):
    day = ago(1).isoformat()
    text = (
        "customer,amount,currency,date,method,reference,cheque_number\n"
        f"C-LYON,150.00,EUR,{day},transfer,virement FA-2,\n"
        f"C-LYON,90.00,EUR,{day},cheque,,0012345\n"
    )
    out, err = import_file(tmp_path, text, company, clerk)
    assert "2 payment(s) recorded" in out
    first, second = Payment.objects.filter(company=company).order_by("id")
    assert [(a.amount, a.rule) for a in services.payment_allocations(first)] == [
        (D("150.00"), "reference")
    ]
    assert [(a.amount, a.rule) for a in services.payment_allocations(second)] == [
        (D("90.00"), "oldest_due")
    ]
    assert second.cheque_number == "0012345"


def test_import_payments_reports_every_bad_line_and_records_nothing(
    company, clerk, csv_account, tmp_path
):
    day = ago(1).isoformat()
    text = (
        "customer;amount;currency;date;method;auto\n"
        f"C-LYON;150.00;EUR;{day};transfer;yes\n"
        f"C-NOWHERE;10.00;EUR;{day};transfer;\n"
        f"C-LYON;-1;EUR;{day};transfer;\n"
        f"C-LYON;10.00;EUR;{day};cheque;maybe\n"
        f"C-LYON;10.00;EUR;{day};cheque;no\n"
    )
    before = written()
    path = tmp_path / "payments.csv"
    path.write_text(text, encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="4 error"):
        call_command(
            "import_payments",
            str(path),
            "--company",
            company.code,
            "--user",
            clerk.username,
            "--delimiter",
            ";",
            stderr=err,
        )
    assert written() == before
    # One run names every bad line: the unknown customer does not hide the others.
    assert [line.split(": ")[:2] for line in err.getvalue().splitlines()] == [
        ["line 3", "customer"],
        ["line 4", "amount"],
        ["line 5", "auto"],
        ["line 6", "cheque_number"],
    ]
    with pytest.raises(CommandError):
        import_file(
            tmp_path,
            text.replace("maybe", "no").replace("C-NOWHERE", "C-LYON"),
            company,
            clerk,
            "--delimiter",
            ";",
        )
    assert written() == before


def test_import_payments_error_report_names_lines_and_fields(company, clerk, csv_account, tmp_path):
    day = ago(1).isoformat()
    text = (
        "customer,amount,currency,date,method\n"
        f"C-LYON,150.00,EUR,{day},transfer\n"
        f"C-LYON,-1,EUR,{day},transfer\n"
        f"C-LYON,10.00,EUR,{day},cheque\n"
    )
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_payments",
            str(path),
            "--company",
            company.code,
            "--user",
            clerk.username,
            stderr=err,
        )
    assert err.getvalue().splitlines() == [
        "line 3: amount: The amount must be greater than zero.",
        "line 4: cheque_number: A cheque payment needs its number.",
    ]
    out, _err = import_file(
        tmp_path, text.replace(",-1,", ",1,").replace("cheque", "cash"), company, clerk, "--dry-run"
    )
    assert "3 payment(s) checked" in out
    assert Payment.objects.count() == 0
