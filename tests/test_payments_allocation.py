"""The allocation suggestion as a pure calculation: referenced invoices first, then the
oldest due; never more than a residual nor than the payment."""

import datetime
import re
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ardoise.payments.allocation import (
    OLDEST_DUE,
    REFERENCE,
    OpenDebit,
    _position,
    referenced,
    suggest_allocations,
)

D = Decimal
day = datetime.date


def debit(item_id, number, due, residual, document=None):
    return OpenDebit(item_id, number, due, document or due, D(residual))


def as_tuples(suggestions):
    return [(s.item_id, s.amount, s.rule) for s in suggestions]


def test_the_referenced_invoices_come_first_in_the_order_written():
    debits = [
        debit(1, "FA-2026-000001", day(2026, 1, 31), "100.00"),
        debit(2, "FA-2026-000002", day(2026, 2, 28), "200.00"),
        debit(3, "FA-2026-000003", day(2026, 3, 31), "300.00"),
    ]
    result = suggest_allocations(
        D("450.00"), "EUR", "Règlement fa-2026-000003 et FA-2026-000002", debits
    )
    assert as_tuples(result) == [
        (3, D("300.00"), REFERENCE),
        (2, D("150.00"), REFERENCE),
    ]


def test_then_the_oldest_due_with_ties_by_document_date_then_id():
    debits = [
        debit(5, "B", day(2026, 3, 1), "10", document=day(2026, 2, 1)),
        debit(4, "A", day(2026, 3, 1), "10", document=day(2026, 2, 1)),
        debit(3, "C", day(2026, 3, 1), "10", document=day(2026, 1, 15)),
        debit(9, "D", day(2026, 2, 1), "10"),
        debit(2, "E", day(2026, 4, 1), "10"),
    ]
    result = suggest_allocations(D("45"), "EUR", "virement", debits)
    assert as_tuples(result) == [
        (9, D("10"), OLDEST_DUE),
        (3, D("10"), OLDEST_DUE),
        (4, D("10"), OLDEST_DUE),
        (5, D("10"), OLDEST_DUE),
        (2, D("5"), OLDEST_DUE),
    ]


def test_a_number_is_found_only_as_a_whole_word():
    debits = [debit(1, "FA-1", day(2026, 5, 1), "10"), debit(2, "FA-12", day(2026, 6, 1), "10")]
    result = suggest_allocations(D("10"), "EUR", "FA-12", debits)
    assert as_tuples(result) == [(2, D("10"), REFERENCE)]


def test_an_overpayment_leaves_the_rest_unapplied_and_settled_items_are_skipped():
    debits = [debit(1, "X", day(2026, 1, 1), "0"), debit(2, "Y", day(2026, 1, 2), "40")]
    result = suggest_allocations(D("100"), "EUR", "", debits)
    assert as_tuples(result) == [(2, D("40"), OLDEST_DUE)]


def test_nothing_to_suggest_without_open_debits_or_amount():
    assert suggest_allocations(D("100"), "EUR", "FA-1", []) == []
    assert suggest_allocations(D("0"), "EUR", "", [debit(1, "X", day(2026, 1, 1), "5")]) == []


# ------------------------------------------------------------------ properties

cents = st.integers(min_value=0, max_value=100_000).map(lambda n: D(n) / 100)
numbers = st.sampled_from(["FA-1", "FA-2", "FA-12", "AV-3", "FA-2026-000007", "Z"])
dates = st.dates(min_value=day(2025, 1, 1), max_value=day(2027, 12, 31))


@st.composite
def open_debit_lists(draw):
    count = draw(st.integers(min_value=0, max_value=8))
    return [
        OpenDebit(
            item_id=index + 1,
            number=draw(numbers),
            due_date=draw(st.one_of(st.none(), dates)),
            document_date=draw(dates),
            residual=draw(cents),
        )
        for index in range(count)
    ]


references = st.lists(st.one_of(numbers, st.sampled_from(["paiement", " ", ",", "fa-1"]))).map(
    " ".join
)


@given(amount=cents, reference=references, debits=open_debit_lists())
def test_suggestions_never_exceed_the_payment_nor_a_residual(amount, reference, debits):
    result = suggest_allocations(amount, "EUR", reference, debits)
    assert sum((s.amount for s in result), D(0)) <= amount
    residual = {d.item_id: d.residual for d in debits}
    assert all(0 < s.amount <= residual[s.item_id] for s in result)
    assert len({s.item_id for s in result}) == len(result)


@given(amount=cents, reference=references, debits=open_debit_lists())
def test_referenced_first_and_the_payment_used_up_before_anything_is_left(
    amount, reference, debits
):
    result = suggest_allocations(amount, "EUR", reference, debits)
    rules = [s.rule for s in result]
    assert rules == sorted(rules, key=lambda rule: rule != REFERENCE)
    open_total = sum((d.residual for d in debits), D(0))
    assert sum((s.amount for s in result), D(0)) == min(amount, open_total)


@given(amount=cents, reference=references, debits=open_debit_lists())
def test_suggestions_are_deterministic(amount, reference, debits):
    first = suggest_allocations(amount, "EUR", reference, debits)
    assert suggest_allocations(amount, "EUR", reference, list(debits)) == first
    assert suggest_allocations(amount, "EUR", reference, list(reversed(debits))) == first


# ------------------------------------------------------------------ the narrowed search

# `_position` skips the search when the number cannot be in the reference; these prove it
# finds exactly what the full search (below, as it was before the shortcut) finds, Unicode
# case folding included (the Kelvin sign matches k, ß is not ss).
quoted_numbers = st.sampled_from(
    ["FA-1", "FA-12", "fa-2", "", " ", "INV/7", "ÉTÉ-3", "K-1", "ß-9", " FA-1 "]
)
quoted_debits = st.lists(
    st.builds(
        OpenDebit,
        item_id=st.integers(1, 10_000),
        number=quoted_numbers,
        due_date=st.none() | st.dates(day(2026, 1, 1), day(2026, 3, 1)),
        document_date=st.dates(day(2025, 12, 1), day(2026, 1, 1)),
        residual=st.integers(1, 50_000).map(lambda n: D(n) / 100),
    ),
    max_size=8,
    unique_by=lambda debit: debit.item_id,
)
quoting_references = st.one_of(
    st.just(""),
    st.text(alphabet="FAfa-12 /INVÉtéK\u212aSSß9", max_size=20),
    st.lists(quoted_numbers, max_size=3).map(" ".join),
)


def full_position(number, reference):
    if not number.strip():
        return None
    pattern = r"(?<![0-9A-Za-z])" + re.escape(number.strip()) + r"(?![0-9A-Za-z])"
    match = re.search(pattern, reference, flags=re.IGNORECASE)
    return match.start() if match else None


def fully_referenced(reference, debits):
    found = [(full_position(d.number, reference), d.item_id, d) for d in debits]
    found = [entry for entry in found if entry[0] is not None]
    return [d for _position_, _id, d in sorted(found, key=lambda entry: entry[:2])]


@given(reference=quoting_references, debits=quoted_debits)
def test_property_the_narrowed_search_finds_what_the_full_search_finds(reference, debits):
    for debit_ in debits:
        assert _position(debit_.number, reference) == full_position(debit_.number, reference)
    assert referenced(reference, debits) == fully_referenced(reference, debits)


def test_the_kelvin_sign_still_matches_k():
    assert _position("K-1", "paid \u212a-1") == 5
    assert _position("k-1", "K-1") == 0
    assert _position("ß-9", "SS-9") is None
