"""The ledger's operations on the staff pages, through the Django test client: a clerk writes
off a small difference from the customer account, an accountant refunds unapplied cash, and
closes and reopens months; refusals re-render the form with the message on its field and
write nothing; other roles get 403, other companies' objects 404."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
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


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def customer(company):
    return CustomerFactory(company=company, code="C-LYON")


@pytest.fixture
def account(company, customer, clerk):
    """Two invoices paid short by 0.60 and by 5.00, and a 150.00 transfer paying a 100.00
    invoice (50.00 unapplied). Tolerance 1.00."""
    company.write_off_tolerance = D("1.00")
    company.save()
    short = post(company, customer, "invoice", "debit", "100.00", ago(40), "FA-1")
    far = post(company, customer, "invoice", "debit", "100.00", ago(35), "FA-2")
    paid = post(company, customer, "invoice", "debit", "100.00", ago(30), "FA-3")
    transfer = post(company, customer, "payment", "credit", "150.00", ago(10), "VIR")
    cheque = post(company, customer, "payment", "credit", "194.40", ago(10), "CHQ")
    services.allocate(actor=clerk, debit_item=paid, credit_item=transfer, amount=D(100))
    services.allocate_many(
        actor=clerk, credit_item=cheque, allocations=[(short, "99.40"), (far, "95.00")]
    )
    return {"short": short, "far": far, "paid": paid, "transfer": transfer}


def rows(client, customer, **params):
    response = client.get(reverse("ledger:account", args=[customer.pk]), params)
    assert response.status_code == 200
    return {item.reference: item for item in response.context["items"]}


def operation_url(name, item):
    return reverse(f"ledger:{name}", args=[item.customer_id, item.pk])


# ----------------------------------------------------------------------------- write-off


def test_a_clerk_writes_off_a_small_difference_and_sees_the_invoice_paid(
    company, customer, clerk, account
):
    client = logged_in(clerk)
    shown = rows(client, customer)
    assert shown["FA-1"].can_write_off and not shown["FA-2"].can_write_off
    assert not shown["VIR"].can_refund  # a clerk does not pay money out
    page = client.get(reverse("ledger:account", args=[customer.pk])).content.decode()
    assert page.count(">Write off<") == 1 and ">Refund<" not in page
    assert operation_url("write-off", account["short"]) in page

    form = client.get(operation_url("write-off", account["short"]))
    assert form.status_code == 200
    assert "Write off €0.60" in form.content.decode()

    response = client.post(
        operation_url("write-off", account["short"]),
        {"reason": "Frais bancaires du client", "date": today().isoformat()},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("ledger:account", args=[customer.pk])
    assert queries.invoice_status(account["short"])[0] == "paid"
    write_off = OpenItem.objects.get(kind="write_off")
    assert (write_off.amount, write_off.reference) == (D("0.60"), "Frais bancaires du client")
    followed = client.get(response["Location"], {"show": "all"})
    assert "0.60 EUR written off (lettering AC)." in followed.content.decode()
    item = {i.reference: i for i in followed.context["items"]}["FA-1"]
    assert item.status.payment_status == "paid" and item.letterings == ["AB", "AC"]


def test_a_write_off_above_the_tolerance_is_refused_and_writes_nothing(
    company, customer, clerk, account
):
    client = logged_in(clerk)
    before = written()
    response = client.post(
        operation_url("write-off", account["far"]),
        {"reason": "Frais", "date": today().isoformat()},
    )
    assert response.status_code == 422
    assert response.context["form"].non_field_errors() == [
        "The residual 5.00 is above the write-off tolerance 1.00."
    ]
    assert written() == before
    assert queries.invoice_status(account["far"])[0] == "partially_paid"


def test_write_off_errors_are_named_on_their_fields(company, customer, clerk, accountant, account):
    services.close_period(company, actor=accountant, year=2025, month=1)
    client = logged_in(clerk)
    before = written()
    missing = client.post(operation_url("write-off", account["short"]), {"reason": "", "date": ""})
    assert missing.status_code == 422
    assert set(missing.context["form"].errors) == {"reason", "date"}
    early = client.post(
        operation_url("write-off", account["short"]), {"reason": "Frais", "date": "2025-01-15"}
    )
    assert early.context["form"].errors == {"date": ["A write-off cannot predate its item."]}
    assert written() == before


# ----------------------------------------------------------------------------- refund


def test_an_accountant_refunds_the_unapplied_cash(company, customer, accountant, account):
    client = logged_in(accountant)
    shown = rows(client, customer)
    assert shown["VIR"].can_refund and shown["FA-1"].can_write_off
    form = client.get(operation_url("refund", account["transfer"]))
    assert form.status_code == 200
    assert form.context["form"].initial["amount"] == "50.00"
    assert form.context["form"].initial["method"] == "transfer"

    response = client.post(
        operation_url("refund", account["transfer"]),
        {
            "amount": "50,00",
            "date": today().isoformat(),
            "method": "cheque",
            "reference": "Chèque 0042",
        },
    )

    assert response.status_code == 302
    refund = OpenItem.objects.get(kind="refund")
    assert (refund.amount, refund.method, refund.reference) == (D(50), "cheque", "Chèque 0042")
    assert queries.balance(customer) == D("5.60")
    page = client.get(response["Location"], {"show": "all"}).content.decode()
    assert "Refund of 50.00 EUR recorded (lettering AC)." in page
    assert "(Cheque)" in page


def test_a_bad_refund_re_renders_the_form_with_each_error_on_its_field(
    company, customer, accountant, account
):
    services.close_period(company, actor=accountant, year=2025, month=1)
    client = logged_in(accountant)
    before = written()
    url = operation_url("refund", account["transfer"])
    too_much = client.post(
        url, {"amount": "50.01", "date": today().isoformat(), "method": "transfer"}
    )
    assert too_much.status_code == 422
    assert too_much.context["form"].errors == {
        "amount": ["The amount exceeds what is left on this item (50.00)."]
    }
    several = client.post(url, {"amount": "-3", "date": "2025-01-20", "method": "transfer"})
    assert set(several.context["form"].errors) == {"amount", "date"}
    assert "The amount must be greater than zero." in several.content.decode()
    unknown = client.post(url, {"amount": "10", "date": today().isoformat(), "method": "gold"})
    assert "method" in unknown.context["form"].errors
    assert written() == before


def test_there_is_no_refund_of_a_debit_nor_write_off_of_a_credit(
    company, customer, accountant, account
):
    client = logged_in(accountant)
    assert client.get(operation_url("refund", account["far"])).status_code == 404
    data = {"amount": "1", "date": today().isoformat(), "method": "cash"}
    assert client.post(operation_url("refund", account["far"]), data).status_code == 404
    assert client.get(operation_url("write-off", account["transfer"])).status_code == 404
    assert not OpenItem.objects.filter(kind__in=["refund", "write_off"]).exists()


def test_a_refund_of_a_settled_credit_is_refused_on_top_of_the_form(
    company, customer, accountant, account
):
    client = logged_in(accountant)
    url = operation_url("refund", account["transfer"])
    data = {"amount": "50", "date": today().isoformat(), "method": "cash"}
    assert client.post(url, data).status_code == 302
    response = client.post(url, data)
    assert response.status_code == 422
    assert response.context["form"].non_field_errors() == [
        "Nothing is left on this credit to refund."
    ]


def test_a_clerk_or_an_auditor_may_not_refund(company, customer, clerk, auditor, account):
    before = written()
    url = operation_url("refund", account["transfer"])
    data = {"amount": "1", "date": today().isoformat(), "method": "cash"}
    for user in (clerk, auditor):
        client = logged_in(user)
        assert client.get(url).status_code == 403
        assert client.post(url, data).status_code == 403
    auditor_client = logged_in(auditor)
    assert auditor_client.post(operation_url("write-off", account["short"]), {}).status_code == 403
    assert written() == before


def test_another_companys_items_are_not_found(company, other_company, customer, account):
    boss = member(other_company, "admin", "other-boss")
    foreign = CustomerFactory(company=other_company, code="C-AUTRE")
    credit = post(other_company, foreign, "payment", "credit", "10.00", ago(1), "VIR-X")
    mine = logged_in(member(company, "admin", "boss"))
    assert mine.get(operation_url("refund", credit)).status_code == 404
    # Another customer's id in the path does not reach the item either.
    assert mine.get(reverse("ledger:refund", args=[customer.pk, credit.pk])).status_code == 404
    assert mine.get(operation_url("refund", account["transfer"])).status_code == 200
    theirs = logged_in(boss)
    assert theirs.get(operation_url("write-off", account["short"])).status_code == 404


def test_operations_are_post_only_with_a_csrf_token(company, customer, accountant, account):
    client = Client(enforce_csrf_checks=True)
    client.force_login(accountant)
    before = written()
    response = client.post(
        operation_url("refund", account["transfer"]),
        {"amount": "1", "date": today().isoformat(), "method": "cash"},
    )
    assert response.status_code == 403
    assert client.get(reverse("ledger:period-reopen", args=[2026, 1])).status_code == 405
    assert written() == before


# ----------------------------------------------------------------------------- periods


def test_an_accountant_closes_and_reopens_a_month(company, accountant):
    client = logged_in(accountant)
    page = client.get(reverse("ledger:periods"))
    assert page.status_code == 200
    last_month = today().replace(day=1) - datetime.timedelta(days=1)
    assert page.context["form"].initial["month"] == last_month.strftime("%Y-%m")
    assert f'href="{reverse("ledger:periods")}"' in page.content.decode()  # in the navigation

    response = client.post(reverse("ledger:periods"), {"month": "2026-03"})
    assert response.status_code == 302
    period = ClosedPeriod.objects.get()
    assert (period.year, period.month, period.closed_by) == (2026, 3, accountant)
    listed = client.get(reverse("ledger:periods"))
    html = listed.content.decode()
    assert "2026-03 is closed." in html and "Closed 2026-03" in html
    assert reverse("ledger:period-reopen", args=[2026, 3]) in html
    assert "Reopen 2026-03? Items could then be dated in it again." in html

    twice = client.post(reverse("ledger:periods"), {"month": "2026-03"})
    assert twice.status_code == 422
    assert twice.context["form"].errors == {"month": ["This period is already closed."]}

    reopened = client.post(reverse("ledger:period-reopen", args=[2026, 3]))
    assert reopened.status_code == 302 and not ClosedPeriod.objects.exists()
    html = client.get(reverse("ledger:periods")).content.decode()
    assert "2026-03 is open again." in html and "Reopened 2026-03" in html
    assert list(
        AuditEvent.objects.filter(action__startswith="ledger.period").values_list("action", "actor")
    ) == [("ledger.period.close", accountant.pk), ("ledger.period.reopen", accountant.pk)]
    again = client.post(reverse("ledger:period-reopen", args=[2026, 3]), follow=True)
    assert "This period is not closed." in again.content.decode()


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2026-13", "A month is between 1 and 12."),
        ("march", "Give a month as YYYY-MM."),
        ("", "This field is required."),
    ],
)
def test_a_bad_month_is_refused_on_its_field(company, accountant, month, message):
    response = logged_in(accountant).post(reverse("ledger:periods"), {"month": month})
    assert response.status_code == 422
    assert response.context["form"].errors == {"month": [message]}
    assert not ClosedPeriod.objects.exists()


def test_clerks_and_auditors_may_not_see_or_change_periods(company, clerk, auditor, accountant):
    services.close_period(company, actor=accountant, year=2026, month=1)
    for user in (clerk, auditor):
        client = logged_in(user)
        assert client.get(reverse("ledger:periods")).status_code == 403
        assert client.post(reverse("ledger:periods"), {"month": "2026-02"}).status_code == 403
        reopen = client.post(reverse("ledger:period-reopen", args=[2026, 1]))
        assert reopen.status_code == 403
        home = client.get(reverse("ledger:account", args=[CustomerFactory(company=company).pk]))
        assert reverse("ledger:periods") not in home.content.decode()
    assert ClosedPeriod.objects.count() == 1


def test_periods_are_per_company(company, other_company, accountant):
    services.close_period(
        other_company, actor=member(other_company, "admin", "x"), year=2026, month=1
    )
    client = logged_in(accountant)
    assert list(client.get(reverse("ledger:periods")).context["closed"]) == []
    response = client.post(reverse("ledger:period-reopen", args=[2026, 1]), follow=True)
    assert "This period is not closed." in response.content.decode()
    assert ClosedPeriod.objects.count() == 1
