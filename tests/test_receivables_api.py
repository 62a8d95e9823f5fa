"""Receivables through the HTTP API, as a clerk lives them: a cheque covering two invoices and
part of a third, the invoices' status, the customer's account, the aged balance as of last
month-end in JSON, CSV and Excel matching the ledger to the cent; and bad input refused with
the field named and nothing changed."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from ardoise.audit.models import AuditEvent
from ardoise.ledger.models import Allocation, OpenItem
from ardoise.payments.models import Payment

from .factories import CustomerFactory, member
from .test_invoicing_services import customer, make_draft, media_root, vat20
from .test_payments_services import issue

__all__ = ["customer", "media_root", "vat20"]

D = Decimal
pytestmark = pytest.mark.usefixtures("vat20", "media_root")


def last_month_end() -> datetime.date:
    return timezone.localdate().replace(day=1) - datetime.timedelta(days=1)


def before(date, days):
    return date - datetime.timedelta(days=days)


def written():
    return (
        Payment.objects.count(),
        OpenItem.objects.count(),
        Allocation.objects.count(),
        AuditEvent.objects.count(),
    )


def issued(company, clerk, customer, net, date):
    """An issued invoice of `net` + 20 % VAT (due 30 days later), issued on `date`."""
    days = (timezone.localdate() - date).days
    return issue(company, clerk, customer, net, days_ago=days)


def cheque(customer, date, amount, allocations=None, **extra):
    body = {
        "customer": customer.pk,
        "amount": amount,
        "currency": "EUR",
        "date": date.isoformat(),
        "method": "cheque",
        "cheque_number": "0001234",
        "cheque_bank": "Banque Populaire",
        "reference": "Règlement",
    }
    if allocations is not None:
        body["allocations"] = allocations
    return {**body, **extra}


def errors_of(response):
    return {(e["field"], e["rule"]) for e in response.json()["errors"]}


@pytest.fixture
def month_end():
    return last_month_end()


@pytest.fixture
def invoices(company, clerk, customer, month_end):
    # 600.00 long overdue, then 120.00, 240.00 and 360.00, all before last month-end
    return [
        issued(company, clerk, customer, "500", before(month_end, 70)),
        issued(company, clerk, customer, "100", before(month_end, 40)),
        issued(company, clerk, customer, "200", before(month_end, 20)),
        issued(company, clerk, customer, "300", before(month_end, 10)),
    ]


@pytest.fixture
def paid_by_cheque(clerk_api, customer, invoices, month_end):
    _old, first, second, third = invoices
    response = clerk_api.post(
        "/payments",
        cheque(
            customer,
            before(month_end, 5),
            "460.00",
            [
                {"invoice": first.pk, "amount": "120.00"},
                {"invoice": second.pk, "amount": "240.00"},
                {"invoice": third.pk, "amount": "100.00"},
            ],
        ),
    )
    assert response.status_code == 201, response.json()
    return response.json()


# ----------------------------------------------------------------------------- the story


def test_a_cheque_covers_two_invoices_and_part_of_a_third(
    clerk_api, company, customer, invoices, paid_by_cheque
):
    old, first, second, third = invoices
    payment = paid_by_cheque
    assert payment["company"] == company.pk
    assert payment["customer"] == customer.pk
    assert (payment["amount"], payment["currency"], payment["method"]) == (
        "460.00",
        "EUR",
        "cheque",
    )
    assert [(a["invoice"], a["amount"]) for a in payment["allocations"]] == [
        (first.pk, "120.00"),
        (second.pk, "240.00"),
        (third.pk, "100.00"),
    ]
    assert payment["unallocated"] == "0.00"
    assert payment["receipt_number"] is None
    assert len({a["lettering"] for a in payment["allocations"]}) == 1

    seen = {
        invoice.pk: clerk_api.get(f"/invoices/{invoice.pk}").json()
        for invoice in (old, first, second, third)
    }
    assert [(seen[i.pk]["payment_status"], seen[i.pk]["residual"]) for i in invoices] == [
        ("unpaid", "600.00"),
        ("paid", "0.00"),
        ("paid", "0.00"),
        ("partially_paid", "260.00"),
    ]
    assert seen[old.pk]["days_overdue"] == (timezone.localdate() - old.due_date).days
    assert clerk_api.get(f"/payments/{payment['id']}").json() == payment


def test_the_aged_balance_at_last_month_end_matches_the_ledger_to_the_cent(
    clerk_api, company, customer, invoices, paid_by_cheque, month_end
):
    # Unapplied cash before month-end, and a payment after it that the report must not see.
    transfer = {**cheque(customer, before(month_end, 2), "50.00"), "method": "transfer"}
    for field in ("cheque_number", "cheque_bank"):
        transfer.pop(field)
    assert clerk_api.post("/payments", transfer).status_code == 201
    later = {**transfer, "date": timezone.localdate().isoformat(), "auto": True}
    assert clerk_api.post("/payments", later).status_code == 201

    ledger = clerk_api.get(f"/customers/{customer.pk}/ledger", as_of=month_end.isoformat()).json()
    assert (ledger["balance"], ledger["unapplied"]) == ("810.00", "50.00")  # 600 + 260 − 50
    assert len(ledger["items"]) == 6  # four invoices, two payments
    cheque_item = next(
        i for i in ledger["items"] if i["kind"] == "payment" and i["amount"] == "460.00"
    )
    assert cheque_item["residual"] == "0.00" and len(cheque_item["lettering"]) == 1

    report = clerk_api.get("/reports/aged-balance", as_of=month_end.isoformat())
    assert report.status_code == 200, report.json()
    body = report.json()
    assert body["as_of"] == month_end.isoformat()
    assert body["basis"] == "due_date"
    assert body["buckets"] == ["not_due", "1-30", "31-60", "61-90", ">90", "unapplied"]
    assert body["rows"] == [
        {
            "customer": {"id": customer.pk, "code": customer.code, "name": customer.legal_name},
            # 260.00 not yet due, 600.00 due 40 days before, 50.00 of unapplied cash
            "amounts": ["260.00", "0.00", "600.00", "0.00", "0.00", "-50.00"],
            "total": "810.00",
        }
    ]
    assert body["totals"] == {
        "amounts": ["260.00", "0.00", "600.00", "0.00", "0.00", "-50.00"],
        "total": ledger["balance"],
    }

    exported = clerk_api.get("/reports/aged-balance", as_of=month_end.isoformat(), format="csv")
    assert exported["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="aged-balance-' in exported["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert lines[0][0] == "Customer code" and lines[0][-2:] == ["Unapplied credits", "Total"]
    assert lines[1][:2] == [customer.code, customer.legal_name]
    assert lines[-1][0] == "Total"
    assert D(lines[-1][-1]) == D(ledger["balance"])

    workbook = clerk_api.get("/reports/aged-balance", as_of=month_end.isoformat(), format="xlsx")
    assert workbook["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.freeze_panes == "A2"
    assert rows[1][2:] == (260, 0, 600, 0, 0, -50, 810)
    assert all(isinstance(value, int | float) for value in rows[1][2:])
    assert rows[-1][0] == "Total" and sheet.cell(row=len(rows), column=1).font.bold
    assert D(str(rows[-1][-1])) == D(ledger["balance"])
    assert sheet.cell(row=2, column=3).number_format == "#,##0.00"


def test_the_aged_balance_today_sees_the_later_payment(clerk_api, customer, paid_by_cheque):
    transfer = {
        "customer": customer.pk,
        "amount": "100.00",
        "currency": "EUR",
        "date": timezone.localdate().isoformat(),
        "method": "transfer",
        "auto": True,
    }
    payment = clerk_api.post("/payments", transfer).json()
    assert [a["rule"] for a in payment["allocations"]] == ["oldest_due"]
    body = clerk_api.get("/reports/aged-balance", buckets="30,60").json()
    assert body["buckets"] == ["not_due", "1-30", "31-60", ">60", "unapplied"]
    ledger = clerk_api.get(f"/customers/{customer.pk}/ledger").json()
    assert body["totals"]["total"] == ledger["balance"] == "760.00"  # 600 + 260 − 100


# ----------------------------------------------------------------------------- allocating later


def test_unapplied_cash_is_allocated_later_then_reversed_once(clerk_api, customer, invoices):
    _old, first, second, _third = invoices
    body = cheque(customer, timezone.localdate(), "300.00")
    payment = clerk_api.post("/payments", body).json()
    assert (payment["allocations"], payment["unallocated"]) == ([], "300.00")

    more = clerk_api.post(
        f"/payments/{payment['id']}/allocations",
        {"allocations": [{"invoice": first.pk, "amount": "120.00"}]},
    )
    assert more.status_code == 201, more.json()
    assert more.json()["unallocated"] == "180.00"
    rest = clerk_api.post(f"/payments/{payment['id']}/allocations", {"auto": True}).json()
    assert rest["unallocated"] == "0.00"
    assert [a["amount"] for a in rest["allocations"]] == ["120.00", "180.00"]

    before_full = written()
    full = clerk_api.post(f"/payments/{payment['id']}/allocations", {"auto": True})
    assert full.status_code == 409
    assert errors_of(full) == {("allocations", "fully_allocated")}
    assert written() == before_full

    allocation = rest["allocations"][0]
    reversed_ = clerk_api.post(f"/allocations/{allocation['id']}/reverse", {})
    assert reversed_.status_code == 201, reversed_.json()
    assert reversed_.json()["amount"] == "-120.00"
    assert reversed_.json()["reverses"] == allocation["id"]
    after = clerk_api.get(f"/payments/{payment['id']}").json()
    assert after["unallocated"] == "120.00"
    assert clerk_api.get(f"/invoices/{first.pk}").json()["payment_status"] == "unpaid"

    state = written()
    again = clerk_api.post(f"/allocations/{allocation['id']}/reverse", {})
    assert again.status_code == 409
    assert errors_of(again) == {("allocation", "already_reversed")}
    assert written() == state


def test_list_filters_paginates_without_n_plus_one(
    clerk_api, customer, invoices, django_assert_max_num_queries
):
    today = timezone.localdate()
    for n in range(5):
        body = {
            "customer": customer.pk,
            "amount": "10.00",
            "currency": "EUR",
            "date": today.isoformat(),
            "method": "transfer" if n % 2 else "card",
            "auto": True,
        }
        assert clerk_api.post("/payments", body).status_code == 201
    with django_assert_max_num_queries(6):
        page = clerk_api.get("/payments", limit=3).json()
    assert len(page["items"]) == 3 and page["next_cursor"]
    rest = clerk_api.get("/payments", limit=3, cursor=page["next_cursor"]).json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    ids = [p["id"] for p in page["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True)
    cards = clerk_api.get("/payments", method="card", customer=customer.pk).json()["items"]
    assert [p["method"] for p in cards] == ["card"] * 3
    assert (
        clerk_api.get("/payments", date_to=(today - datetime.timedelta(days=1)).isoformat()).json()[
            "items"
        ]
        == []
    )


def test_a_replayed_post_records_the_payment_once(clerk_api, customer, invoices):
    body = cheque(customer, timezone.localdate(), "50.00", auto=True)
    first = clerk_api.post("/payments", body, **{"Idempotency-Key": "cheque-0001234"})
    again = clerk_api.post("/payments", body, **{"Idempotency-Key": "cheque-0001234"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"amount": "0"}, "amount", "positive"),
        ({"amount": "-5.00"}, "amount", "positive"),
        ({"amount": 460.5}, "amount", "invalid"),
        ({"amount": "1.001"}, "amount", "precision"),
        ({"currency": "USD", "exchange_rate": "1.1"}, "currency", "currency_mismatch"),
        ({"date": "31/12/2025"}, "date", "invalid"),
        ({"method": "barter"}, "method", "invalid"),
        ({"customer": 999999}, "customer", "not_found"),
        ({"auto": True}, "auto", "exclusive"),
    ],
)
def test_bad_payments_are_refused_naming_the_field(
    clerk_api, customer, invoices, changes, field, rule
):
    body = cheque(
        customer, timezone.localdate(), "100.00", [{"invoice": invoices[1].pk, "amount": "100.00"}]
    )
    state = written()
    response = clerk_api.post("/payments", {**body, **changes})
    assert 400 <= response.status_code < 500
    assert (field, rule) in errors_of(response), response.json()
    assert written() == state


def test_allocations_to_the_wrong_invoices_are_refused(
    clerk_api, company, clerk, customer, invoices
):
    stranger = CustomerFactory(company=company, code="C-NICE")
    theirs = issue(company, clerk, stranger, "100")
    draft = make_draft(company, clerk, customer)
    cases = [
        ({"invoice": theirs.pk, "amount": "10.00"}, "allocations[0].invoice", "other_customer"),
        ({"invoice": draft.pk, "amount": "10.00"}, "allocations[0].invoice", "not_issued"),
        (
            {"invoice": invoices[1].pk, "amount": "120.01"},
            "allocations[0].amount",
            "exceeds_residual",
        ),
        ({"invoice": 999999, "amount": "10.00"}, "allocations[0].invoice", "not_found"),
    ]
    state = written()
    for allocation, field, rule in cases:
        response = clerk_api.post(
            "/payments", cheque(customer, timezone.localdate(), "500.00", [allocation])
        )
        assert response.status_code == 422
        assert (field, rule) in errors_of(response), response.json()
    over = clerk_api.post(
        "/payments",
        cheque(
            customer,
            timezone.localdate(),
            "100.00",
            [{"invoice": invoices[1].pk, "amount": "120.00"}],
        ),
    )
    assert errors_of(over) == {("allocations", "exceeds_payment")}
    assert written() == state


def test_allocating_an_existing_payment_checks_the_same_rules(clerk_api, customer, invoices):
    payment = clerk_api.post("/payments", cheque(customer, timezone.localdate(), "100.00")).json()
    state = written()
    url = f"/payments/{payment['id']}/allocations"
    too_much = clerk_api.post(
        url, {"allocations": [{"invoice": invoices[0].pk, "amount": "100.01"}]}
    )
    assert errors_of(too_much) == {("allocations", "exceeds_payment")}
    float_amount = clerk_api.post(
        url, {"allocations": [{"invoice": invoices[0].pk, "amount": 10.5}]}
    )
    assert errors_of(float_amount) == {("allocations[0].amount", "invalid")}
    nothing = clerk_api.post(url, {})
    assert errors_of(nothing) == {("allocations", "required")}
    assert written() == state


# ----------------------------------------------------------------------------- roles, tenants


def test_an_auditor_reads_but_may_not_write(
    api_as, auditor, clerk_api, customer, invoices, paid_by_cheque
):
    auditor_api = api_as(auditor)
    state = written()
    refused = [
        auditor_api.post("/payments", cheque(customer, timezone.localdate(), "10.00")),
        auditor_api.post(f"/payments/{paid_by_cheque['id']}/allocations", {"auto": True}),
        auditor_api.post(f"/allocations/{paid_by_cheque['allocations'][0]['id']}/reverse", {}),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403]
    assert all(errors_of(r) == {("__all__", "forbidden")} for r in refused)
    assert written() == state
    assert auditor_api.get(f"/payments/{paid_by_cheque['id']}").status_code == 200
    assert auditor_api.get("/reports/aged-balance").status_code == 200


def test_other_companies_objects_are_not_found(api_as, other_company, customer, paid_by_cheque):
    outsider = api_as(member(other_company, "admin", "outsider"))
    payment_id = paid_by_cheque["id"]
    allocation_id = paid_by_cheque["allocations"][0]["id"]
    state = written()
    assert outsider.get(f"/payments/{payment_id}").status_code == 404
    assert outsider.get(f"/customers/{customer.pk}/ledger").status_code == 404
    assert outsider.post(f"/payments/{payment_id}/allocations", {"auto": True}).status_code == 404
    assert outsider.post(f"/allocations/{allocation_id}/reverse", {}).status_code == 404
    assert outsider.get("/payments").json()["items"] == []
    refused = outsider.post("/payments", cheque(customer, timezone.localdate(), "10.00"))
    assert errors_of(refused) == {("customer", "not_found")}
    report = outsider.get("/reports/aged-balance").json()
    assert report["rows"] == [] and report["totals"]["total"] == "0.00"
    assert written() == state


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"basis": "posting_date"}, "basis"),
        ({"buckets": "60,30"}, "buckets"),
        ({"buckets": "thirty"}, "buckets"),
        ({"format": "pdf"}, "format"),
        ({"as_of": "yesterday"}, "as_of"),
    ],
)
def test_bad_report_parameters_name_the_field(clerk_api, params, field):
    response = clerk_api.get("/reports/aged-balance", **params)
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json()["errors"]}
