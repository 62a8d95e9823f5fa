"""The customer statement as a story: an account with history before the period, invoices,
a payment and a credit note in it, cash left unapplied; then its PDF, CSV, Excel, the email
to the billing contact, and the API refusing bad dates and other companies' customers.

The account of Client Lyon (EUR), period 1 February – 31 March 2026:

    before   FA-0  2025-12-01  invoice      240.00 due 2025-12-31 (never paid)
             FA-1  2026-01-10  invoice    1,200.00 due 2026-02-09
             AV-0  2026-01-20  credit note  100.00 against FA-1
                                          opening balance 1,340.00
    period   FA-2  2026-02-05  invoice      600.00 due 2026-03-07       1,940.00
             VIR-1 2026-02-20  payment    1,500.00: 1,100 FA-1, 400 FA-2   440.00
             AV-1  2026-03-10  credit note   50.00 against FA-2           390.00
             FA-3  2026-03-15  invoice      300.00 due 2026-04-14       690.00
             VIR-2 2026-03-28  payment       90.00 unapplied            600.00
    after    VIR-3 2026-04-05  payment      100.00 against FA-3 (not in the statement)
"""

import dataclasses
import datetime
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from ardoise.audit.models import AuditEvent
from ardoise.core.errors import InvalidInput
from ardoise.ledger import queries
from ardoise.ledger import services as ledger
from ardoise.parties.models import Contact
from ardoise.reporting.exports import to_csv
from ardoise.reporting.services import send_statement
from ardoise.reporting.statement_pdf import render_statement
from ardoise.reporting.statements import (
    STATEMENT_HEADERS,
    StatementError,
    customer_statement,
    statement_rows,
)

from .factories import CompanyFactory, CustomerFactory

D = Decimal
FROM, TO = datetime.date(2026, 2, 1), datetime.date(2026, 3, 31)


def day(text):
    return datetime.date.fromisoformat(text)


def post(company, customer, kind, direction, amount, date, reference, due=None):
    return ledger.post_item(
        company,
        actor=None,
        customer=customer,
        kind=kind,
        direction=direction,
        amount=D(amount),
        currency="EUR",
        document_date=day(date),
        due_date=day(due) if due else None,
        reference=reference,
    )


def match(clerk, debit, credit, amount):
    ledger.allocate(actor=clerk, debit_item=debit, credit_item=credit, amount=D(amount))


@pytest.fixture
def customer(company):
    return CustomerFactory(
        company=company, code="C-LYON", legal_name="Client Lyon SARL", email="info@lyon.example"
    )


@pytest.fixture
def account(company, clerk, customer):
    fa0 = post(company, customer, "invoice", "debit", "240.00", "2025-12-01", "FA-0", "2025-12-31")
    fa1 = post(company, customer, "invoice", "debit", "1200.00", "2026-01-10", "FA-1", "2026-02-09")
    av0 = post(company, customer, "credit_note", "credit", "100.00", "2026-01-20", "AV-0")
    match(clerk, fa1, av0, "100.00")
    fa2 = post(company, customer, "invoice", "debit", "600.00", "2026-02-05", "FA-2", "2026-03-07")
    vir1 = post(company, customer, "payment", "credit", "1500.00", "2026-02-20", "VIR-1")
    match(clerk, fa1, vir1, "1100.00")
    match(clerk, fa2, vir1, "400.00")
    av1 = post(company, customer, "credit_note", "credit", "50.00", "2026-03-10", "AV-1")
    match(clerk, fa2, av1, "50.00")
    fa3 = post(company, customer, "invoice", "debit", "300.00", "2026-03-15", "FA-3", "2026-04-14")
    post(company, customer, "payment", "credit", "90.00", "2026-03-28", "VIR-2")
    vir3 = post(company, customer, "payment", "credit", "100.00", "2026-04-05", "VIR-3")
    match(clerk, fa3, vir3, "100.00")
    return {"FA-0": fa0, "FA-2": fa2, "FA-3": fa3}


@pytest.fixture
def statement(account, customer):
    return customer_statement(customer, date_from=FROM, date_to=TO)


# ----------------------------------------------------------------------------- figures


def test_the_statement_tells_the_period_to_the_cent(statement, customer):
    assert statement.opening_balance == D("1340.00")
    assert [
        (m.date, m.kind, m.reference, m.debit, m.credit, m.balance) for m in statement.movements
    ] == [
        (day("2026-02-05"), "invoice", "FA-2", D("600.00"), D(0), D("1940.00")),
        (day("2026-02-20"), "payment", "VIR-1", D(0), D("1500.00"), D("440.00")),
        (day("2026-03-10"), "credit_note", "AV-1", D(0), D("50.00"), D("390.00")),
        (day("2026-03-15"), "invoice", "FA-3", D("300.00"), D(0), D("690.00")),
        (day("2026-03-28"), "payment", "VIR-2", D(0), D("90.00"), D("600.00")),
    ]
    assert (statement.total_debit, statement.total_credit) == (D("900.00"), D("1640.00"))
    assert statement.closing_balance == D("600.00")
    assert statement.closing_balance == queries.balance(customer, TO)


def test_open_items_at_the_end_of_the_period_with_their_age(statement):
    assert [
        (i.reference, i.due_date, i.residual, i.age_days, i.days_overdue)
        for i in statement.open_items
    ] == [
        ("FA-0", day("2025-12-31"), D("240.00"), 120, 90),
        ("FA-2", day("2026-03-07"), D("150.00"), 54, 24),
        ("FA-3", day("2026-04-14"), D("300.00"), 16, 0),  # paid only on 5 April
        ("VIR-2", None, D("-90.00"), 3, 0),
    ]
    assert statement.unapplied_credit == D("90.00")


def test_the_aging_summary_uses_the_aged_balance_buckets(statement, company, customer):
    aging = statement.aging
    assert aging.labels == ("not_due", "1-30", "31-60", "61-90", ">90", "unapplied")
    assert aging.amounts == (D("300.00"), D("150.00"), D(0), D("240.00"), D(0), D("-90.00"))
    assert aging.total == D("600.00")
    (row,) = queries.aged_balance(company, as_of=TO, customer=customer)
    assert row.amounts == aging.amounts


def test_an_empty_period_carries_the_balance_over(account, customer):
    quiet = customer_statement(customer, date_from=day("2026-01-21"), date_to=day("2026-01-31"))
    assert quiet.movements == ()
    assert quiet.opening_balance == quiet.closing_balance == D("1340.00")


def test_a_statement_that_does_not_add_up_refuses_to_exist(statement):
    with pytest.raises(StatementError):
        dataclasses.replace(statement, closing_balance=D("600.01"))


def test_the_statement_is_three_queries(account, customer, django_assert_num_queries):
    with django_assert_num_queries(3):
        customer_statement(customer, date_from=FROM, date_to=TO)


def test_bad_periods_are_refused(customer):
    with pytest.raises(InvalidInput) as error:
        customer_statement(customer, date_from=TO, date_to=FROM)
    assert error.value.errors[0].field == "from"


# ----------------------------------------------------------------------------- files


def pdf_text(content):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_pdf_names_the_customer_the_period_and_the_closing_balance(statement):
    content = render_statement(statement)
    text = pdf_text(content)
    assert "Relevé de compte" in text
    assert "Client Lyon SARL" in text
    assert "1 février 2026" in text and "31 mars 2026" in text
    assert "600,00" in text
    assert "Page 1 / 1" in text
    assert render_statement(statement) == content


@pytest.mark.parametrize("language", ["en", "es", "ar"])
def test_the_pdf_speaks_the_customer_language(statement, language):
    content = render_statement(statement, language)
    assert content.startswith(b"%PDF")
    assert render_statement(statement, language) == content
    if language == "en":
        assert "Statement of account" in pdf_text(content)


def test_a_long_statement_runs_over_pages_numbered(company, customer):
    for n in range(90):
        post(company, customer, "invoice", "debit", "10.00", "2026-02-10", f"FA-{n}", "2026-03-10")
    content = render_statement(customer_statement(customer, date_from=FROM, date_to=TO))
    reader = PdfReader(io.BytesIO(content))
    pages = len(reader.pages)
    assert pages >= 3
    assert f"Page {pages} / {pages}" in reader.pages[-1].extract_text()


def test_the_csv_holds_movements_and_open_items(statement):
    import csv

    rows = list(
        csv.reader(
            io.StringIO(to_csv(STATEMENT_HEADERS, statement_rows(statement)).decode("utf-8-sig"))
        )
    )
    assert rows[0] == list(STATEMENT_HEADERS)
    sections = [row[0] for row in rows[1:]]
    assert sections == ["opening"] + ["movement"] * 5 + ["closing"] + ["open_item"] * 4
    assert rows[1][7] == "1340.00"
    assert rows[7][7] == "600.00"
    assert rows[-1][3:9] == ["VIR-2", "", "", "", "", "-90.00"]


# ----------------------------------------------------------------------------- email


@pytest.fixture
def billing_contact(company, customer):
    Contact.objects.create(
        company=company, customer=customer, name="Anne", roles=["purchasing"], email="a@x.example"
    )
    return Contact.objects.create(
        company=company,
        customer=customer,
        name="Bruno",
        roles=["billing", "accounting"],
        email="compta@lyon.example",
    )


def test_the_statement_is_emailed_to_the_billing_contact_and_audited(
    statement, customer, clerk, billing_contact, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_statement(customer, actor=clerk, date_from=FROM, date_to=TO)
    assert sent.recipient == "compta@lyon.example"
    (message,) = mailoutbox
    assert message.to == ["compta@lyon.example"]
    assert message.subject.startswith("Relevé de compte C-LYON du 1 février 2026 au 31 mars 2026")
    assert "600,00" in message.body
    (name, content, mimetype) = message.attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action="statement.send")
    assert (event.object_type, event.object_id) == ("parties.customer", str(customer.pk))
    assert event.after["recipient"] == "compta@lyon.example"
    assert event.after["date_from"] == "2026-02-01" and event.after["date_to"] == "2026-03-31"
    import hashlib

    assert event.after["pdf_sha256"] == hashlib.sha256(content).hexdigest() == sent.pdf_sha256


def test_without_billing_contact_the_customer_email_is_used(
    account, customer, clerk, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send_statement(customer, actor=clerk, date_from=FROM, date_to=TO, language="ar")
    assert mailoutbox[0].to == ["info@lyon.example"]
    assert mailoutbox[0].subject.startswith("كشف حساب")


def test_without_any_email_nothing_is_sent(customer, clerk, mailoutbox):
    customer.email = ""
    customer.save()
    with pytest.raises(InvalidInput) as error:
        send_statement(customer, actor=clerk, date_from=FROM, date_to=TO)
    assert error.value.errors[0].field == "email"
    assert mailoutbox == []
    assert not AuditEvent.objects.filter(action="statement.send").exists()


# ----------------------------------------------------------------------------- API


def url(customer):
    return f"/customers/{customer.pk}/statement"


def test_the_api_gives_the_statement_as_json(statement, customer, clerk_api):
    response = clerk_api.get(url(customer), **{"from": "2026-02-01", "to": "2026-03-31"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["customer"] == {"id": customer.pk, "code": "C-LYON", "name": "Client Lyon SARL"}
    assert (body["from"], body["to"]) == ("2026-02-01", "2026-03-31")
    assert D(body["opening_balance"]) == D("1340.00")
    assert D(body["closing_balance"]) == D("600.00")
    assert len(body["movements"]) == 5
    assert [D(a) for a in body["aging"]["amounts"]] == list(statement.aging.amounts)


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("pdf", "application/pdf"),
        ("csv", "text/csv; charset=utf-8"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_the_api_gives_files(statement, customer, clerk_api, fmt, content_type):
    response = clerk_api.get(
        url(customer), **{"from": "2026-02-01", "to": "2026-03-31", "format": fmt}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0] == STATEMENT_HEADERS
        assert rows[1][7] == 1340 and isinstance(rows[1][7], int | float)
        assert rows[7][7] == 600
        assert rows[-1][8] == -90


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": "2026-03-31"}, "from"),
        ({"from": "2026-02-01"}, "to"),
        ({"from": "2026-04-01", "to": "2026-03-31"}, "from"),
        ({"from": "2026-02-30", "to": "2026-03-31"}, "from"),
        ({"from": "2026-02-01", "to": "2026-03-31", "format": "doc"}, "format"),
    ],
)
def test_the_api_refuses_bad_periods(customer, clerk_api, params, field):
    response = clerk_api.get(url(customer), **params)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field


def test_other_companies_customers_are_not_found(other_company, clerk_api, api_as):
    stranger = CustomerFactory(company=other_company)
    response = clerk_api.get(url(stranger), **{"from": "2026-02-01", "to": "2026-03-31"})
    assert response.status_code == 404
    response = clerk_api.post(f"{url(stranger)}/send", {"from": "2026-02-01", "to": "2026-03-31"})
    assert response.status_code == 404


def test_the_api_sends_the_statement(
    account, customer, clerk_api, billing_contact, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk_api.post(
            f"{url(customer)}/send", {"from": "2026-02-01", "to": "2026-03-31"}
        )
    assert response.status_code == 202, response.content
    assert response.json()["recipient"] == "compta@lyon.example"
    assert len(mailoutbox) == 1


def test_an_auditor_reads_but_does_not_send(
    account, customer, auditor, api_as, mailoutbox, django_capture_on_commit_callbacks
):
    api = api_as(auditor)
    assert api.get(url(customer), **{"from": "2026-02-01", "to": "2026-03-31"}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{url(customer)}/send", {"from": "2026-02-01", "to": "2026-03-31"})
    assert response.status_code == 403
    assert mailoutbox == []
    assert not AuditEvent.objects.filter(action="statement.send").exists()


# ----------------------------------------------------------------------------- the page


def as_user(user):
    client = Client()
    client.force_login(user)
    return client


def page_url(customer, **params):
    query = "&".join(
        f"{k}={v}" for k, v in {"from": "2026-02-01", "to": "2026-03-31", **params}.items()
    )
    return f"/reports/statement/{customer.pk}/?{query}"


def test_clerk_reads_the_statement_of_a_period(account, customer, clerk):
    page = as_user(clerk).get(page_url(customer))
    assert page.status_code == 200
    text = page.content.decode()
    assert "FA-2" in text and "VIR-1" in text
    assert "600.00" in text  # closing balance


def test_downloads_in_three_formats(account, customer, clerk):
    client = as_user(clerk)
    pdf = client.get(page_url(customer, format="pdf"))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    csv = client.get(page_url(customer, format="csv"))
    assert b"VIR-1" in csv.content
    xlsx = client.get(page_url(customer, format="xlsx"))
    assert xlsx.content.startswith(b"PK")


def test_clerk_sends_it_by_email_and_it_is_audited(
    account, customer, clerk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(clerk).post(page_url(customer))
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["info@lyon.example"]]
    assert mail.outbox[0].attachments[0][2] == "application/pdf"
    assert AuditEvent.objects.filter(action="statement.send", object_id=str(customer.pk)).exists()


def test_auditor_reads_but_cannot_send(account, customer, auditor):
    client = as_user(auditor)
    assert client.get(page_url(customer)).status_code == 200
    assert client.post(page_url(customer)).status_code == 403
    assert not AuditEvent.objects.filter(action="statement.send").exists()
    assert mail.outbox == []


def test_customer_of_another_company_is_not_found(clerk, db):
    stranger = CustomerFactory(company=CompanyFactory(code="elsewhere"))
    assert as_user(clerk).get(page_url(stranger)).status_code == 404
