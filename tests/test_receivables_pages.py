"""Receivables staff pages, through the Django test client on the real database: payment
entry with its live suggestion, the payments list and detail, the customer account and the
aged balance."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.ledger.models import Allocation, OpenItem
from ardoise.ledger.queries import balance
from ardoise.payments.models import Payment

from .factories import CompanyFactory, CustomerFactory, member
from .test_invoicing_services import customer, media_root, vat20
from .test_payments_services import ago, issue, status, today, written

__all__ = ["customer", "media_root", "vat20"]

D = Decimal
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("vat20", "media_root")]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def three_invoices(company, clerk, customer):
    # 120.00, 240.00 and 360.00 due in 30 days, issued 40, 20 and 10 days ago
    return [
        issue(company, clerk, customer, "100", days_ago=40),
        issue(company, clerk, customer, "200", days_ago=20),
        issue(company, clerk, customer, "300", days_ago=10),
    ]


def cheque_post(customer, allocations=(), **fields) -> dict:
    data = {
        "customer": str(customer.pk),
        "amount": "460.00",
        "date": today().isoformat(),
        "method": "cheque",
        "cheque_number": "0012345",
        "cheque_bank": "Banque Populaire",
        "cheque_deposit_date": "",
        "reference": "",
        "payer": "",
        "bank_account": "",
        "exchange_rate": "",
        "allocation_mode": "manual",
        "apply": [str(invoice.pk) for invoice, _amount in allocations],
    }
    for invoice, amount in allocations:
        data[f"amount_{invoice.pk}"] = amount
    return data | fields


def test_clerk_records_a_cheque_for_two_invoices_and_part_of_a_third(
    company, clerk, customer, three_invoices
):
    first, second, third = three_invoices
    client = logged_in(clerk)
    assert client.get(reverse("payments:create")).status_code == 200

    response = client.post(
        reverse("payments:create"),
        cheque_post(customer, [(first, "120.00"), (second, "240,00"), (third, "100.00")]),
    )

    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:detail", args=[payment.pk])
    assert (payment.method, payment.cheque_number, payment.amount) == (
        "cheque",
        "0012345",
        D("460"),
    )
    assert status(first) == ("paid", D("0.00"))
    assert status(second) == ("paid", D("0.00"))
    assert status(third) == ("partially_paid", D("260.00"))
    assert set(Allocation.objects.values_list("rule", flat=True)) == {"explicit"}

    detail = client.get(response["Location"]).content.decode()
    assert "AA" in detail and "Chosen by hand" in detail
    assert first.number in detail and third.number in detail

    account = client.get(reverse("ledger:account", args=[customer.pk]))
    assert account.status_code == 200
    assert account.context["totals"][0]["balance"] == D("260.00")
    assert [item.reference for item in account.context["items"]] == [third.number]
    assert account.context["items"][0].status.payment_status == "partially_paid"
    everything = client.get(reverse("ledger:account", args=[customer.pk]), {"show": "all"})
    by_reference = {item.reference: item for item in everything.context["items"]}
    assert by_reference[first.number].status.payment_status == "paid"
    assert by_reference[first.number].letterings == ["AA"]
    html = everything.content.decode()
    assert "Partially paid" in html and "Paid" in html


def test_the_live_suggestion_lists_open_invoices_with_the_rule_that_chose_them(
    company, clerk, customer, three_invoices
):
    first, second, third = three_invoices
    client = logged_in(clerk)
    response = client.post(
        reverse("payments:suggest"),
        {"customer": str(customer.pk), "amount": "400", "reference": f"paiement {third.number}"},
    )
    assert response.status_code == 200
    rows = {row["invoice_id"]: row for row in response.context["rows"]}
    assert rows[third.pk]["suggested"] == D("360.00")
    assert rows[third.pk]["rule"] == "reference"
    assert rows[first.pk]["suggested"] == D("40.00")
    assert rows[first.pk]["rule"] == "oldest_due"
    assert rows[second.pk]["suggested"] is None
    assert response.context["left"] == D("0.00")
    html = response.content.decode()
    assert "Reference found in the payment" in html and "Oldest due first" in html
    assert Payment.objects.count() == 0

    # Saved as suggested (nothing touched): automatic allocation, with its rules kept.
    client.post(
        reverse("payments:create"),
        cheque_post(customer, amount="400", reference=f"paiement {third.number}")
        | {"allocation_mode": "auto", "apply": []},
    )
    assert sorted(Allocation.objects.values_list("rule", flat=True)) == [
        "oldest_due",
        "reference",
    ]
    assert status(third) == ("paid", D("0.00"))


def test_errors_show_next_to_the_fields_and_nothing_is_saved(
    company, clerk, customer, three_invoices
):
    first, _second, third = three_invoices
    client = logged_in(clerk)
    before = written()
    response = client.post(
        reverse("payments:create"),
        cheque_post(customer, [(first, "500.00")], amount="-5", cheque_number=""),
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert "amount" in form.errors
    assert "cheque_number" in form.errors
    assert written() == before

    response = client.post(
        reverse("payments:create"), cheque_post(customer, [(first, "500.00"), (third, "10")])
    )
    assert response.status_code == 422
    assert response.context["form"].row_errors[first.pk]
    assert "exceeds what is left" in response.content.decode()
    assert written() == before


def test_the_payments_list_filters_and_keeps_its_query_count(
    company, clerk, customer, django_assert_max_num_queries
):
    client = logged_in(clerk)
    from ardoise.payments import services

    others = [CustomerFactory(company=company) for _ in range(3)]
    for index in range(12):
        services.record_payment(
            company,
            actor=clerk,
            customer=others[index % 3] if index % 2 else customer,
            amount=f"{index + 1}.00",
            currency="EUR",
            date=ago(index),
            method="transfer" if index % 3 else "card",
        )
    with django_assert_max_num_queries(9):
        response = client.get(reverse("payments:list"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 12
    assert all(p.unapplied == p.amount for p in response.context["page"])
    only = client.get(reverse("payments:list"), {"customer": customer.pk, "method": "card"})
    assert {p.customer_id for p in only.context["page"]} == {customer.pk}
    assert {p.method for p in only.context["page"]} == {"card"}
    dated = client.get(reverse("payments:list"), {"from": ago(2).isoformat()})
    assert dated.context["page"].paginator.count == 3


def test_receipt_is_issued_from_the_detail_page_and_downloaded(company, clerk, customer):
    from ardoise.payments import services

    payment = services.record_payment(
        company,
        actor=clerk,
        customer=customer,
        amount="50",
        currency="EUR",
        date=today(),
        method="transfer",
    )
    client = logged_in(clerk)
    assert client.get(reverse("payments:receipt", args=[payment.pk])).status_code == 404
    response = client.post(reverse("payments:issue-receipt", args=[payment.pk]))
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.receipt_number == 1
    download = client.get(reverse("payments:receipt", args=[payment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_aged_balance_page_totals_and_drill_down(
    company, clerk, customer, django_assert_max_num_queries
):
    from ardoise.payments import services

    other = CustomerFactory(company=company, code="B-OTHER", payment_terms_days=30)
    issue(company, clerk, other, "1000", days_ago=100)  # 1,200.00, 70 days overdue
    for net, days in (("100", 40), ("200", 20), ("300", 10)):
        issue(company, clerk, customer, net, days_ago=days)
    services.record_payment(
        company,
        actor=clerk,
        customer=other,
        amount="50",
        currency="EUR",
        date=today(),
        method="transfer",
    )  # 50.00 unapplied
    client = logged_in(clerk)
    for _ in range(5):
        CustomerFactory(company=company)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("reporting:aged-balance"))
    assert response.status_code == 200
    rows = {row.code: row for row in response.context["rows"]}
    # not due, 1-30, 31-60, 61-90, >90, unapplied
    assert rows["C-LYON"].amounts == (D("600.00"), D("120.00"), 0, 0, 0, 0)
    assert rows["B-OTHER"].amounts == (0, 0, 0, D("1200.00"), 0, D("-50.00"))
    (totals,) = response.context["totals"]
    assert totals["total"] == D("1870.00") == balance(customer) + balance(other)
    assert totals["amounts"] == [D("600.00"), D("120.00"), 0, D("1200.00"), 0, D("-50.00")]

    drill = client.get(
        reverse("ledger:account", args=[customer.pk]),
        {"as_of": today().isoformat(), "basis": "due_date", "buckets": "30,60,90", "bucket": "1"},
    )
    assert [item.residual for item in drill.context["items"]] == [D("120.00")]
    unapplied = client.get(reverse("ledger:account", args=[other.pk]), {"bucket": "5"})
    assert [item.kind for item in unapplied.context["items"]] == ["payment"]

    # A month back, the two younger invoices did not exist yet.
    past = client.get(reverse("reporting:aged-balance"), {"as_of": ago(30).isoformat()})
    past_rows = {row.code: row for row in past.context["rows"]}
    assert past_rows["C-LYON"].total == D("120.00")
    assert past_rows["B-OTHER"].amounts[5] == 0


def test_aged_balance_exports(company, clerk, customer, three_invoices):
    pytest.importorskip("ardoise.reporting.exports")
    client = logged_in(clerk)
    csv = client.get(reverse("reporting:aged-balance-export"), {"format": "csv"})
    assert csv.status_code == 200
    text = csv.content.decode("utf-8-sig")
    assert "C-LYON" in text and "720.00" in text
    xlsx = client.get(reverse("reporting:aged-balance-export"), {"format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx.content.startswith(b"PK")
    assert (
        client.get(reverse("reporting:aged-balance-export"), {"format": "doc"}).status_code == 404
    )


def test_auditor_sees_but_cannot_record(company, auditor, clerk, customer, three_invoices):
    client = logged_in(auditor)
    assert client.get(reverse("payments:list")).status_code == 200
    assert client.get(reverse("ledger:account", args=[customer.pk])).status_code == 200
    assert client.get(reverse("reporting:aged-balance")).status_code == 200
    assert b"Record a payment" not in client.get(reverse("payments:list")).content
    before = written()
    assert client.get(reverse("payments:create")).status_code == 403
    response = client.post(
        reverse("payments:create"), cheque_post(customer, [(three_invoices[0], "120.00")])
    )
    assert response.status_code == 403
    assert client.post(reverse("payments:suggest"), {}).status_code == 403
    assert written() == before


def test_another_companys_objects_are_not_found(company, clerk, customer):
    from ardoise.payments import services

    elsewhere = CompanyFactory(code="elsewhere", legal_name="Ailleurs SA")
    boss = member(elsewhere, "admin", "ailleurs")
    foreign_customer = CustomerFactory(company=elsewhere)
    payment = services.record_payment(
        elsewhere,
        actor=boss,
        customer=foreign_customer,
        amount="10",
        currency="EUR",
        date=today(),
        method="transfer",
    )
    client = logged_in(clerk)
    assert client.get(reverse("payments:detail", args=[payment.pk])).status_code == 404
    assert client.get(reverse("payments:receipt", args=[payment.pk])).status_code == 404
    assert client.get(reverse("ledger:account", args=[foreign_customer.pk])).status_code == 404
    assert client.post(reverse("payments:issue-receipt", args=[payment.pk])).status_code == 404
    # Recording against another company's customer is refused as an unknown choice.
    response = client.post(
        reverse("payments:create"),
        cheque_post(foreign_customer, amount="10", allocation_mode="auto"),
    )
    assert response.status_code == 422
    assert "customer" in response.context["form"].errors
    assert Payment.objects.filter(company=company).count() == 0
    assert OpenItem.objects.filter(company=company).count() == 0


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar"])
def test_the_payment_date_is_prefilled_with_today_in_every_language(
    company, clerk, customer, language
):
    """A date picker only reads ISO dates: a French "27/11/2026" left it empty."""
    client = logged_in(clerk)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    html = client.get(reverse("payments:create")).content.decode()
    assert f'type="date" name="date" value="{today().isoformat()}"' in html
