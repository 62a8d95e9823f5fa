"""Refunds, write-offs and closed months through the HTTP API: 201 with what was posted,
403 for roles not allowed, 404 for another company's objects, 422/409 with the field named
and nothing changed; a retried POST with the same Idempotency-Key does not refund twice."""

from decimal import Decimal

import pytest
from django.utils import timezone

from ardoise.audit.models import AuditEvent
from ardoise.ledger import queries, services
from ardoise.ledger.models import ClosedPeriod, OpenItem

from .factories import CustomerFactory, member
from .ledger_support import ago, post, written

D = Decimal
pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def errors_of(response):
    return {(e["field"], e["rule"]) for e in response.json()["errors"]}


@pytest.fixture
def accountant_api(api_as, accountant):
    return api_as(accountant)


@pytest.fixture
def customer(company):
    return CustomerFactory(company=company, code="C-LYON")


@pytest.fixture
def account(company, customer, clerk):
    """A 150.00 transfer pays a 100.00 invoice (50.00 unapplied); a 100.00 invoice is paid
    99.20 (0.80 left) and another 95.00 (5.00 left). Tolerance 1.00."""
    company.write_off_tolerance = D("1.00")
    company.save()
    paid = post(company, customer, "invoice", "debit", "100.00", ago(40), "FA-1")
    short = post(company, customer, "invoice", "debit", "100.00", ago(35), "FA-2")
    far = post(company, customer, "invoice", "debit", "100.00", ago(30), "FA-3")
    transfer = post(company, customer, "payment", "credit", "150.00", ago(10), "VIR")
    cheque = post(company, customer, "payment", "credit", "194.20", ago(10), "CHQ")
    services.allocate(actor=clerk, debit_item=paid, credit_item=transfer, amount=D(100))
    services.allocate_many(
        actor=clerk, credit_item=cheque, allocations=[(short, "99.20"), (far, "95.00")]
    )
    return {"short": short, "far": far, "transfer": transfer}


def refund_body(credit, **changes):
    return {
        "credit_item": credit.pk,
        "amount": "50.00",
        "date": today().isoformat(),
        "method": "transfer",
        "reference": "Remboursement",
    } | changes


# ----------------------------------------------------------------------------- refunds


def test_refunding_the_unapplied_cash(accountant_api, company, customer, account):
    response = accountant_api.post(
        f"/customers/{customer.pk}/refunds", refund_body(account["transfer"])
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    refund = OpenItem.objects.get(kind="refund")
    assert body["item"] == {
        "id": refund.pk,
        "customer": customer.pk,
        "kind": "refund",
        "direction": "debit",
        "amount": "50.00",
        "currency": "EUR",
        "document_date": today().isoformat(),
        "due_date": today().isoformat(),
        "reference": "Remboursement",
        "method": "transfer",
    }
    allocation = body["allocation"]
    assert (allocation["debit_item"], allocation["credit_item"]) == (
        refund.pk,
        account["transfer"].pk,
    )
    assert (allocation["amount"], allocation["rule"], allocation["lettering"]) == (
        "50.00",
        "refund",
        "AC",
    )
    ledger = accountant_api.get(f"/customers/{customer.pk}/ledger").json()
    assert ledger["balance"] == "5.80" and ledger["unapplied"] == "0.00"
    assert {i["kind"]: i["residual"] for i in ledger["items"]}["refund"] == "0.00"


def test_a_retried_refund_with_the_same_key_refunds_once(
    accountant_api, company, customer, account
):
    body = refund_body(account["transfer"], amount="20.00")
    first = accountant_api.post(
        f"/customers/{customer.pk}/refunds", body, **{"Idempotency-Key": "r-1"}
    )
    again = accountant_api.post(
        f"/customers/{customer.pk}/refunds", body, **{"Idempotency-Key": "r-1"}
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert OpenItem.objects.filter(kind="refund").count() == 1
    assert queries.balance(customer) == D("-24.20")


@pytest.mark.parametrize(
    ("changes", "status", "errors"),
    [
        ({"amount": "50.01"}, 422, {("amount", "exceeds_residual")}),
        ({"amount": 10.5}, 422, {("amount", "invalid")}),
        ({"amount": "0", "method": "crypto"}, 422, {("amount", "positive"), ("method", "unknown")}),
        ({"date": "2020-01-01"}, 422, {("date", "before_document")}),
        ({"date": "tomorrow"}, 422, {("date", "invalid")}),
        ({"credit_item": None}, 422, {("credit_item", "required")}),
        ({"credit_item": 999999}, 422, {("credit_item", "unknown")}),
    ],
)
def test_bad_refunds_name_the_field_and_change_nothing(
    accountant_api, company, customer, account, changes, status, errors
):
    before = written()
    response = accountant_api.post(
        f"/customers/{customer.pk}/refunds", refund_body(account["transfer"], **changes)
    )
    assert response.status_code == status, response.json()
    assert errors_of(response) == errors
    assert written() == before


def test_refunding_a_debit_or_a_settled_credit_is_refused(
    accountant_api, company, customer, account
):
    debit = accountant_api.post(
        f"/customers/{customer.pk}/refunds", refund_body(account["far"], amount="1")
    )
    assert debit.status_code == 422 and errors_of(debit) == {("credit_item", "not_credit")}
    accountant_api.post(f"/customers/{customer.pk}/refunds", refund_body(account["transfer"]))
    settled = accountant_api.post(
        f"/customers/{customer.pk}/refunds", refund_body(account["transfer"], amount="1")
    )
    assert settled.status_code == 409 and errors_of(settled) == {("credit_item", "settled")}


def test_a_refund_in_a_closed_month_is_refused(accountant_api, company, customer, account):
    services.close_period(
        company, actor=member(company, "admin", "boss"), year=today().year, month=today().month
    )
    before = written()
    response = accountant_api.post(
        f"/customers/{customer.pk}/refunds", refund_body(account["transfer"])
    )
    assert response.status_code == 422 and errors_of(response) == {("date", "closed_period")}
    assert written() == before


def test_clerks_and_auditors_may_not_refund(clerk_api, api_as, auditor, customer, account):
    clients = (clerk_api, api_as(auditor))
    before = written()
    for client in clients:
        response = client.post(
            f"/customers/{customer.pk}/refunds", refund_body(account["transfer"])
        )
        assert response.status_code == 403
        assert errors_of(response) == {("__all__", "forbidden")}
    assert written() == before


def test_another_companys_customer_or_credit_is_not_found(
    accountant_api, company, other_company, customer, account
):
    foreign = CustomerFactory(company=other_company, code="C-AUTRE")
    credit = post(other_company, foreign, "payment", "credit", "10.00", ago(1), "VIR-X")
    response = accountant_api.post(f"/customers/{foreign.pk}/refunds", refund_body(credit))
    assert response.status_code == 404
    # Their credit under our customer's id is not on our customer's account.
    mixed = accountant_api.post(f"/customers/{customer.pk}/refunds", refund_body(credit))
    assert mixed.status_code == 422 and errors_of(mixed) == {("credit_item", "unknown")}
    assert not OpenItem.objects.filter(kind="refund").exists()


# ----------------------------------------------------------------------------- write-off


def test_a_clerk_writes_off_a_small_difference(clerk_api, company, customer, account):
    response = clerk_api.post(
        f"/items/{account['short'].pk}/write-off",
        {"reason": "Frais bancaires", "date": today().isoformat()},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["item"]["kind"], body["item"]["direction"], body["item"]["amount"]) == (
        "write_off",
        "credit",
        "0.80",
    )
    assert body["item"]["reference"] == "Frais bancaires"
    assert (body["allocation"]["rule"], body["allocation"]["debit_item"]) == (
        "write_off",
        account["short"].pk,
    )
    assert queries.invoice_status(account["short"])[0] == "paid"


@pytest.mark.parametrize(
    ("item", "body", "status", "errors"),
    [
        ("far", {"reason": "Frais"}, 422, {("debit_item", "above_tolerance")}),
        ("short", {"reason": " "}, 422, {("reason", "required")}),
        ("short", {"reason": "Frais", "date": "2020-01-01"}, 422, {("date", "before_document")}),
        ("transfer", {"reason": "Frais"}, 422, {("debit_item", "not_debit")}),
    ],
)
def test_bad_write_offs_name_the_field_and_change_nothing(
    clerk_api, company, customer, account, item, body, status, errors
):
    before = written()
    response = clerk_api.post(f"/items/{account[item].pk}/write-off", body)
    assert response.status_code == status, response.json()
    assert errors_of(response) == errors
    assert written() == before


def test_write_off_roles_and_tenancy(api_as, auditor, other_company, account):
    assert (
        api_as(auditor).post(f"/items/{account['short'].pk}/write-off", {"reason": "x"}).status_code
        == 403
    )
    stranger = api_as(member(other_company, "admin", "other-boss"))
    response = stranger.post(f"/items/{account['short'].pk}/write-off", {"reason": "x"})
    assert response.status_code == 404
    assert not OpenItem.objects.filter(kind="write_off").exists()


# ----------------------------------------------------------------------------- periods


def test_closing_listing_and_reopening_a_month(accountant_api, company, accountant):
    closed = accountant_api.post("/periods", {"year": 2026, "month": 3})
    assert closed.status_code == 201, closed.json()
    body = closed.json()
    assert {k: body[k] for k in ("company", "year", "month", "period", "closed_by")} == {
        "company": company.pk,
        "year": 2026,
        "month": 3,
        "period": "2026-03",
        "closed_by": "accountant",
    }
    listed = accountant_api.get("/periods").json()
    assert [p["period"] for p in listed] == ["2026-03"]

    twice = accountant_api.post("/periods", {"year": 2026, "month": 3})
    assert twice.status_code == 409 and errors_of(twice) == {("month", "closed")}

    reopened = accountant_api.client.delete("/api/v1/periods/2026/3")
    assert reopened.status_code == 204
    assert not ClosedPeriod.objects.exists()
    again = accountant_api.client.delete("/api/v1/periods/2026/3")
    assert again.status_code == 409 and errors_of(again) == {("month", "not_closed")}
    assert list(
        AuditEvent.objects.filter(action__startswith="ledger.period").values_list("action", "actor")
    ) == [("ledger.period.close", accountant.pk), ("ledger.period.reopen", accountant.pk)]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"year": 2026, "month": 13}, {("month", "invalid")}),
        ({"year": 26, "month": 1}, {("year", "invalid")}),
        ({"year": 2026}, {("month", "invalid")}),
        ({"year": 2026, "month": 1, "company": 999999}, {("company", "unknown")}),
    ],
)
def test_bad_months_are_refused(accountant_api, company, body, errors):
    response = accountant_api.post("/periods", body)
    assert response.status_code == 422
    assert errors_of(response) == errors
    assert not ClosedPeriod.objects.exists()


def test_only_accountants_and_admins_close_or_reopen(
    clerk_api, api_as, auditor, admin_user, company
):
    for client in (clerk_api, api_as(auditor)):
        assert client.post("/periods", {"year": 2026, "month": 1}).status_code == 403
    assert api_as(admin_user).post("/periods", {"year": 2026, "month": 1}).status_code == 201
    for client in (clerk_api, api_as(auditor)):
        assert client.client.delete("/api/v1/periods/2026/1").status_code == 403
        # Reading which months are closed is open to every role.
        assert [p["period"] for p in client.get("/periods").json()] == ["2026-01"]
    assert ClosedPeriod.objects.count() == 1


def test_periods_of_another_company_are_neither_listed_nor_reopened(
    accountant_api, company, other_company
):
    services.close_period(
        other_company, actor=member(other_company, "admin", "x"), year=2026, month=1
    )
    assert accountant_api.get("/periods").json() == []
    assert accountant_api.get("/periods", company=other_company.pk).json() == []
    response = accountant_api.client.delete(f"/api/v1/periods/2026/1?company={other_company.pk}")
    assert response.status_code == 422 and errors_of(response) == {("company", "unknown")}
    mine = accountant_api.client.delete("/api/v1/periods/2026/1")
    assert mine.status_code == 409
    assert ClosedPeriod.objects.count() == 1
