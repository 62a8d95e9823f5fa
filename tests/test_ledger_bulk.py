"""Many allocations at once (`ledger.bulk`): the same rules as one allocation at a time,
checked for the whole batch, the allocations made earlier in the batch counted; a refusal
names the entry and writes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ardoise.audit.models import AuditEvent
from ardoise.core.errors import InvalidInput
from ardoise.ledger import bulk, services
from ardoise.ledger.models import Allocation, OpenItem

from .factories import CompanyFactory, CustomerFactory

D = Decimal
JAN = datetime.date(2026, 1, 10)
FEB = datetime.date(2026, 2, 10)
MAR = datetime.date(2026, 3, 10)


@pytest.fixture
def account(company):
    return CustomerFactory(company=company)


def post(company, clerk, customer, direction, amount, date=JAN, currency="EUR"):
    return services.post_item(
        company,
        actor=clerk,
        customer=customer,
        kind="invoice" if direction == "debit" else "payment",
        direction=direction,
        amount=D(amount),
        currency=currency,
        document_date=date,
    )


def group(customer, *entries, date=MAR, field="allocations"):
    return bulk.Group(
        customer_id=customer.pk,
        entries=tuple(bulk.Entry(d.pk, c.pk, D(a), rule) for d, c, a, rule in entries),
        entry_date=date,
        field=field,
    )


def written():
    return Allocation.objects.count(), AuditEvent.objects.count()


def refused(clerk, groups):
    before = written()
    with pytest.raises(InvalidInput) as caught:
        bulk.allocate_groups(groups, actor=clerk)
    assert written() == before
    return [(e.field, e.rule) for e in caught.value.errors]


def test_groups_are_lettered_in_order_and_audited_as_single_allocations(company, clerk, account):
    debits = [post(company, clerk, account, "debit", "100.00") for _ in range(3)]
    first, second = (post(company, clerk, account, "credit", "150.00") for _ in range(2))
    services.allocate(actor=clerk, debit_item=debits[2], credit_item=second, amount=D("10.00"))
    made = bulk.allocate_groups(
        [
            group(
                account,
                (debits[0], first, "100.00", "oldest_due"),
                (debits[1], first, "50.00", "oldest_due"),
            ),
            group(account, (debits[1], second, "50.00", "reference")),
        ],
        actor=clerk,
    )
    assert [(a.debit_item_id, a.amount, a.lettering, a.rule) for a in made] == [
        (debits[0].pk, D("100.00"), "AB", "oldest_due"),
        (debits[1].pk, D("50.00"), "AB", "oldest_due"),
        (debits[1].pk, D("50.00"), "AC", "reference"),
    ]
    assert {a.effective_date for a in made} == {JAN}
    assert {a.entry_date for a in made} == {MAR}
    events = AuditEvent.objects.filter(action="ledger.allocation.create").order_by("id")
    assert [e.object_id for e in events][-3:] == [str(a.pk) for a in made]
    assert events.last().after == {
        "customer": account.pk,
        "debit_item": debits[1].pk,
        "credit_item": second.pk,
        "amount": "50.00",
        "entry_date": "2026-03-10",
        "effective_date": "2026-01-10",
        "reverses": None,
        "lettering": "AC",
        "rule": "reference",
    }
    assert services.residual_now(debits[1]) == D("0.00")


def test_the_batch_counts_its_own_earlier_allocations(company, clerk, account):
    debit = post(company, clerk, account, "debit", "100.00")
    credits = [post(company, clerk, account, "credit", "60.00") for _ in range(2)]
    assert refused(
        clerk,
        [
            group(account, (debit, credits[0], "60.00", "explicit")),
            group(account, (debit, credits[1], "60.00", "explicit"), field="second"),
        ],
    ) == [("second[0].amount", "exceeds_residual")]


def test_never_over_allocates_before_a_later_dated_reversal(company, clerk, account):
    # 100.00 due, 60.00 allocated in January, the allocation reversed in March: the debit
    # is 40.00 open in January and February, 100.00 from March on.
    debit = post(company, clerk, account, "debit", "100.00")
    first = post(company, clerk, account, "credit", "60.00")
    allocation = services.allocate(
        actor=clerk, debit_item=debit, credit_item=first, amount=D("60.00")
    )
    services.reverse_allocation(allocation, actor=clerk, date=MAR)
    late = post(company, clerk, account, "credit", "100.00")
    with pytest.raises(InvalidInput) as caught:
        bulk.allocate_groups([group(account, (debit, late, "100.00", "explicit"))], actor=clerk)
    assert caught.value.errors[0].field == "allocations[0].amount"
    assert "(40.00)" in caught.value.errors[0].message
    # 30.00 then 20.00 in the same batch: the second finds only 10.00 left in January.
    other = post(company, clerk, account, "credit", "100.00")
    assert refused(
        clerk,
        [
            group(account, (debit, late, "30.00", "explicit")),
            group(account, (debit, other, "20.00", "explicit")),
        ],
    ) == [("allocations[0].amount", "exceeds_residual")]
    made = bulk.allocate_groups(
        [
            group(account, (debit, late, "30.00", "explicit")),
            group(account, (debit, other, "10.00", "explicit")),
        ],
        actor=clerk,
    )
    assert len(made) == 2
    # A credit dated in March sees the debit as the reversal leaves it: 60.00 more.
    march = post(company, clerk, account, "credit", "60.00", date=MAR)
    bulk.allocate_groups([group(account, (debit, march, "60.00", "explicit"))], actor=clerk)
    assert services.residual_now(debit) == D("0.00")


def test_a_closed_period_at_the_effective_date_is_refused(company, clerk, admin_user, account):
    debit = post(company, clerk, account, "debit", "100.00", date=FEB)
    credit = post(company, clerk, account, "credit", "100.00", date=JAN)
    services.close_period(company, actor=admin_user, year=2026, month=2)
    assert refused(clerk, [group(account, (debit, credit, "50.00", "explicit"))]) == [
        ("allocations[0].effective_date", "closed_period")
    ]


def test_two_currencies_other_customers_and_other_companies_are_refused(company, clerk, account):
    debit = post(company, clerk, account, "debit", "100.00")
    dollars = post(company, clerk, account, "credit", "100.00", currency="USD")
    assert refused(clerk, [group(account, (debit, dollars, "10.00", "explicit"))]) == [
        ("allocations[0].credit_item", "currency_mismatch")
    ]
    neighbour = CustomerFactory(company=company)
    theirs = post(company, clerk, neighbour, "credit", "100.00")
    assert refused(clerk, [group(neighbour, (debit, theirs, "10.00", "explicit"))]) == [
        ("allocations[0].credit_item", "other_customer")
    ]
    assert refused(clerk, [group(account, (debit, theirs, "10.00", "explicit"))]) == [
        ("allocations[0].credit_item", "other_customer")
    ]
    elsewhere = CompanyFactory(code="elsewhere")
    stranger = CustomerFactory(company=elsewhere)
    foreign = OpenItem.objects.create(
        company=elsewhere,
        customer=stranger,
        kind="payment",
        direction="credit",
        amount=D("100.00"),
        currency="EUR",
        document_date=JAN,
    )
    assert ("allocations[0].credit_item", "other_company") in refused(
        clerk, [group(stranger, (debit, foreign, "10.00", "explicit"))]
    )
    # Two debits against each other: the second is not a credit.
    other_debit = post(company, clerk, account, "debit", "100.00")
    assert refused(clerk, [group(account, (debit, other_debit, "10.00", "explicit"))]) == [
        ("allocations[0].credit_item", "not_credit")
    ]


def test_amounts_are_checked_like_a_single_allocation(company, clerk, account):
    debit = post(company, clerk, account, "debit", "100.00")
    credit = post(company, clerk, account, "credit", "100.00")
    assert refused(clerk, [group(account, (debit, credit, "0", "explicit"))]) == [
        ("allocations[0].amount", "positive")
    ]
    assert refused(clerk, [group(account, (debit, credit, "1.001", "explicit"))]) == [
        ("allocations[0].amount", "precision")
    ]
    assert refused(clerk, [group(account, (debit, credit, "1", "made_up"))]) == [
        ("rule", "invalid")
    ]


def test_the_number_of_queries_does_not_grow_with_the_allocations(company, clerk, account):
    def queries(count):
        debits = [post(company, clerk, account, "debit", "10.00") for _ in range(count)]
        credit = post(company, clerk, account, "credit", "1000.00")
        entries = [(debit, credit, "10.00", "oldest_due") for debit in debits]
        with CaptureQueriesContext(connection) as captured:
            bulk.allocate_groups([group(account, *entries)], actor=clerk)
        return len(captured)

    queries(1)  # the role, read once per user
    assert queries(1) == queries(20)
