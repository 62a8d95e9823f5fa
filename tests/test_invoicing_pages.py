"""Invoicing staff pages, through the Django test client on the real database."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.core.models import Membership
from ardoise.invoicing import services
from ardoise.invoicing.models import Invoice, Status

from .factories import CustomerFactory, ProductFactory, TaxCodeFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def vat20(company):
    return TaxCodeFactory(company=company, code="FR-S20", rate=Decimal("20"))


@pytest.fixture
def vat55(company):
    return TaxCodeFactory(company=company, code="FR-S5.5", name="TVA 5,5 %", rate=Decimal("5.5"))


@pytest.fixture
def customer(company):
    return CustomerFactory(company=company, code="DUPONT", legal_name="Dupont Frères SARL")


@pytest.fixture
def product(company, vat20):
    return ProductFactory(
        company=company, code="CONSEIL", name="Conseil", unit_price=Decimal("80.00"), tax_code=vat20
    )


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def draft(company, clerk, customer, vat20, *, quantity="2", price="100.00"):
    return services.create_draft(
        company,
        actor=clerk,
        customer=customer,
        lines=[
            {
                "product": None,
                "description": "Audit",
                "quantity": quantity,
                "unit": "C62",
                "unit_price": price,
                "discount_percent": "0",
                "tax_code": vat20.code,
            }
        ],
    )


def lines_post(*rows, **header) -> dict:
    data = {
        "customer": "",
        "purchase_order": "",
        "delivery_notes": "",
        "contract": "",
        "notes": "",
        "issue_date": "",
    } | header
    for key in ("product", "description", "quantity", "unit", "unit_price", "discount", "tax_code"):
        data[f"line_{key}"] = [row.get(key, "") for row in rows]
    return data


def test_list_searches_filters_and_sorts(company, clerk, customer, vat20):
    other_customer = CustomerFactory(company=company, code="MARTIN", legal_name="Martin SA")
    first = draft(company, clerk, customer, vat20, price="10.00")
    second = draft(company, clerk, other_customer, vat20, price="30.00")
    issued = services.issue_invoice(
        draft(company, clerk, customer, vat20, price="20.00"),
        actor=clerk,
        issue_date=datetime.date(2026, 3, 2),
    )
    client = logged_in(clerk)

    page = client.get(reverse("invoices:list"))
    assert page.status_code == 200
    # Newest first: drafts (no issue date yet) on top, newest draft first.
    assert list(page.context["page"]) == [second, first, issued]
    assert 'class="badge issued"' in page.content.decode()
    assert "New invoice" in page.content.decode()

    by_code = client.get(reverse("invoices:list"), {"q": "martin"})
    assert list(by_code.context["page"]) == [second]
    by_number = client.get(reverse("invoices:list"), {"q": issued.number})
    assert list(by_number.context["page"]) == [issued]
    drafts = client.get(reverse("invoices:list"), {"status": "draft", "sort": "total"})
    assert list(drafts.context["page"]) == [first, second]
    by_customer = client.get(reverse("invoices:list"), {"customer": customer.pk, "sort": "-total"})
    assert list(by_customer.context["page"]) == [issued, first]
    dated = client.get(reverse("invoices:list"), {"from": "2026-03-01", "to": "2026-03-31"})
    assert list(dated.context["page"]) == [issued]
    assert (
        client.get(reverse("invoices:list"), {"from": "2026-04-01"}).context["page"].paginator.count
        == 0
    )


def test_list_query_count_does_not_grow_with_rows(
    company, clerk, customer, vat20, django_assert_max_num_queries
):
    client = logged_in(clerk)
    for index in range(30):
        draft(company, clerk, CustomerFactory(company=company), vat20, price=f"{index + 1}.00")
    with django_assert_max_num_queries(8):
        response = client.get(reverse("invoices:list"), {"sort": "customer"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 30


def test_clerk_creates_a_draft_with_two_lines(company, clerk, customer, product, vat55):
    client = logged_in(clerk)
    assert client.get(reverse("invoices:create")).status_code == 200

    response = client.post(
        reverse("invoices:create"),
        lines_post(
            {
                "product": str(product.pk),
                "description": "Conseil",
                "quantity": "1,5",
                "unit": "HUR",
                "unit_price": "80.00",
                "tax_code": "FR-S20",
            },
            {
                "description": "Livres",
                "quantity": "3",
                "unit": "C62",
                "unit_price": "10",
                "discount": "10",
                "tax_code": "FR-S5.5",
            },
            {},  # an untouched row the user added is not a line
            customer=str(customer.pk),
            purchase_order="PO-77",
            delivery_notes="BL-1, BL-2",
        ),
    )

    invoice = Invoice.objects.get(company=company)
    assert response.status_code == 302
    assert response.url == reverse("invoices:detail", args=[invoice.pk])
    assert invoice.status == Status.DRAFT
    assert invoice.purchase_order == "PO-77"
    assert invoice.delivery_notes == ["BL-1", "BL-2"]
    lines = list(invoice.lines.all())
    assert [(line.description, line.quantity, line.net_amount) for line in lines] == [
        ("Conseil", Decimal("1.5"), Decimal("120.00")),
        ("Livres", Decimal("3"), Decimal("27.00")),
    ]
    # 120.00 × 20 % = 24.00; 27.00 × 5.5 % = 1.485 -> 1.49
    assert (invoice.total_net, invoice.total_tax, invoice.total) == (
        Decimal("147.00"),
        Decimal("25.49"),
        Decimal("172.49"),
    )
    detail = client.get(response.url).content.decode()
    assert "172.49" in detail
    assert reverse("invoices:edit", args=[invoice.pk]) in detail


def test_invalid_draft_shows_errors_next_to_lines_and_keeps_values(company, clerk, customer, vat20):
    client = logged_in(clerk)
    response = client.post(
        reverse("invoices:create"),
        lines_post(
            {"description": "Bon", "quantity": "1", "unit_price": "5", "tax_code": "FR-S20"},
            {"description": "Mauvais", "quantity": "0", "unit_price": "5", "tax_code": "FR-S20"},
            customer=str(customer.pk),
            purchase_order="PO-KEEP",
        ),
    )
    assert response.status_code == 422
    assert Invoice.objects.count() == 0
    errors = response.context["errors"]
    assert list(errors["lines"]) == [1]
    assert "quantity" in errors["lines"][1]
    html = response.content.decode()
    assert 'value="PO-KEEP"' in html
    assert 'value="Mauvais"' in html


def test_totals_partial_computes_without_writing(company, clerk, customer, vat20, vat55):
    client = logged_in(clerk)
    response = client.post(
        reverse("invoices:totals"),
        lines_post(
            {"description": "A", "quantity": "3", "unit_price": "33.33", "tax_code": "FR-S20"},
            {
                "description": "B",
                "quantity": "1",
                "unit_price": "10",
                "discount": "50",
                "tax_code": "FR-S5.5",
            },
            customer=str(customer.pk),
        ),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    totals = response.context["totals"]
    # 99.99 at 20 % = 20.00 (19.998); 5.00 at 5.5 % = 0.28 (0.275 half up)
    assert (totals.total_net, totals.total_tax, totals.total) == (
        Decimal("104.99"),
        Decimal("20.28"),
        Decimal("125.27"),
    )
    html = response.content.decode()
    assert "€125.27" in html  # the active language (en) writes the amount
    assert "<html" not in html
    assert Invoice.objects.count() == 0

    broken = client.post(
        reverse("invoices:totals"),
        lines_post(
            {"description": "A", "quantity": "abc", "unit_price": "1", "tax_code": "FR-S20"},
            {"description": "B", "quantity": "2", "unit_price": "1", "tax_code": "FR-S20"},
            customer=str(customer.pk),
        ),
    )
    assert broken.status_code == 200
    assert broken.context["totals"].total == Decimal("2.40")
    assert "Line 1:" in broken.content.decode()


def test_clerk_issues_from_the_page_then_cannot_edit(company, clerk, customer, vat20):
    invoice = draft(company, clerk, customer, vat20)
    client = logged_in(clerk)
    detail = client.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    assert "cannot be changed afterwards" in detail

    response = client.post(
        reverse("invoices:issue", args=[invoice.pk]), {"issue_date": "2026-02-10"}
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Status.ISSUED
    assert invoice.issue_date == datetime.date(2026, 2, 10)
    assert invoice.number

    detail = client.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    assert reverse("invoices:edit", args=[invoice.pk]) not in detail
    assert reverse("invoices:pdf", args=[invoice.pk]) in detail

    before = (invoice.total, list(invoice.lines.values_list("description", "quantity")))
    edit = client.post(
        reverse("invoices:edit", args=[invoice.pk]),
        lines_post(
            {"description": "Changed", "quantity": "9", "unit_price": "9", "tax_code": "FR-S20"},
            customer=str(customer.pk),
        ),
    )
    assert edit.status_code == 409
    invoice.refresh_from_db()
    assert (invoice.total, list(invoice.lines.values_list("description", "quantity"))) == before
    assert client.get(reverse("invoices:edit", args=[invoice.pk])).status_code == 409

    again = client.post(reverse("invoices:issue", args=[invoice.pk]), follow=True)
    assert again.status_code == 200
    assert [m.level_tag for m in again.context["messages"]] == ["error"]

    pdf = client.get(reverse("invoices:pdf", args=[invoice.pk]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert f'filename="{invoice.number}.pdf"' in pdf["Content-Disposition"]
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_pdf_of_a_draft_is_404(company, clerk, customer, vat20):
    invoice = draft(company, clerk, customer, vat20)
    assert logged_in(clerk).get(reverse("invoices:pdf", args=[invoice.pk])).status_code == 404


def test_approver_approves_and_clerk_cannot(company, clerk, approver, customer, vat20):
    company.approval_mode = "always"
    company.save()
    invoice = draft(company, clerk, customer, vat20)
    clerk_client = logged_in(clerk)
    detail = clerk_client.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    assert reverse("invoices:submit", args=[invoice.pk]) in detail
    assert reverse("invoices:issue", args=[invoice.pk]) not in detail
    clerk_client.post(reverse("invoices:submit", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.status == Status.AWAITING_APPROVAL

    refused = clerk_client.post(reverse("invoices:approve", args=[invoice.pk]))
    assert refused.status_code == 403
    invoice.refresh_from_db()
    assert invoice.status == Status.AWAITING_APPROVAL

    approver_client = logged_in(approver)
    response = approver_client.post(
        reverse("invoices:approve", args=[invoice.pk]), {"comment": "OK pour moi"}
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Status.APPROVED
    assert invoice.approved_by == approver
    detail = clerk_client.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    assert "OK pour moi" in detail
    assert reverse("invoices:issue", args=[invoice.pk]) in detail


def test_reject_without_comment_is_a_message_not_a_500(company, clerk, approver, customer, vat20):
    company.approval_mode = "always"
    company.save()
    invoice = services.submit_for_approval(draft(company, clerk, customer, vat20), actor=clerk)
    response = logged_in(approver).post(
        reverse("invoices:reject", args=[invoice.pk]), {"comment": ""}, follow=True
    )
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    invoice.refresh_from_db()
    assert invoice.status == Status.AWAITING_APPROVAL


def test_auditor_reads_but_cannot_create(company, clerk, auditor, customer, vat20):
    draft(company, clerk, customer, vat20)
    client = logged_in(auditor)
    page = client.get(reverse("invoices:list"))
    assert page.status_code == 200
    assert "New invoice" not in page.content.decode()
    assert client.get(reverse("invoices:create")).status_code == 403
    response = client.post(
        reverse("invoices:create"),
        lines_post(
            {"description": "X", "quantity": "1", "unit_price": "1", "tax_code": "FR-S20"},
            customer=str(customer.pk),
        ),
    )
    assert response.status_code == 403
    assert Invoice.objects.count() == 1


def test_invoice_of_another_company_is_404(company, other_company, clerk, vat20):
    foreign_clerk = member(other_company, "clerk")
    foreign_tax = TaxCodeFactory(company=other_company, code="FR-S20")
    foreign = draft(
        other_company, foreign_clerk, CustomerFactory(company=other_company), foreign_tax
    )
    client = logged_in(clerk)
    for name in ("detail", "edit", "pdf"):
        assert client.get(reverse(f"invoices:{name}", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("invoices:issue", args=[foreign.pk])).status_code == 404

    # Even a member of both companies gets a 404 while working in the other one.
    Membership.objects.create(user=clerk, company=other_company, role="clerk")
    client = logged_in(clerk)
    session = client.session
    session["ardoise_company_id"] = company.pk
    session.save()
    assert client.get(reverse("invoices:detail", args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Status.DRAFT


def test_full_credit_note_from_the_detail_page(company, clerk, customer, vat20):
    invoice = services.issue_invoice(draft(company, clerk, customer, vat20), actor=clerk)
    client = logged_in(clerk)
    response = client.post(
        reverse("invoices:credit-note", args=[invoice.pk]), {"mode": "full", "reason": "Erreur"}
    )
    credit_note = Invoice.objects.get(credited_invoice=invoice)
    assert response.status_code == 302
    assert response.url == reverse("invoices:detail", args=[credit_note.pk])
    assert credit_note.total == invoice.total
    detail = client.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    assert reverse("invoices:detail", args=[credit_note.pk]) in detail


def test_delete_draft(company, clerk, customer, vat20):
    invoice = draft(company, clerk, customer, vat20)
    response = logged_in(clerk).post(reverse("invoices:delete", args=[invoice.pk]))
    assert response.status_code == 302
    assert not Invoice.objects.filter(pk=invoice.pk).exists()


def test_clerk_edits_a_draft_replacing_its_lines(company, clerk, customer, vat20):
    invoice = draft(company, clerk, customer, vat20)
    client = logged_in(clerk)
    page = client.get(reverse("invoices:edit", args=[invoice.pk]))
    assert page.status_code == 200
    assert 'value="Audit"' in page.content.decode()

    response = client.post(
        reverse("invoices:edit", args=[invoice.pk]),
        lines_post(
            {"description": "Audit", "quantity": "1", "unit_price": "100", "tax_code": "FR-S20"},
            customer=str(customer.pk),
            contract="CT-9",
        ),
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.contract == "CT-9"
    assert invoice.total == Decimal("120.00")
    assert invoice.lines.count() == 1


def test_partial_credit_note_credits_the_ticked_lines(company, clerk, customer, vat20):
    invoice = services.issue_invoice(
        draft(company, clerk, customer, vat20, quantity="4", price="25.00"), actor=clerk
    )
    line = invoice.lines.get()
    client = logged_in(clerk)
    response = client.post(
        reverse("invoices:credit-note", args=[invoice.pk]),
        {"mode": "partial", f"credit_{line.pk}": "on", f"quantity_{line.pk}": "1"},
    )
    credit_note = Invoice.objects.get(credited_invoice=invoice)
    assert response.status_code == 302
    assert credit_note.total == Decimal("30.00")
    detail = client.get(reverse("invoices:detail", args=[credit_note.pk])).content.decode()
    assert reverse("invoices:detail", args=[invoice.pk]) in detail

    nothing_ticked = client.post(
        reverse("invoices:credit-note", args=[invoice.pk]), {"mode": "partial"}, follow=True
    )
    assert [m.level_tag for m in nothing_ticked.context["messages"]] == ["error"]
    assert Invoice.objects.filter(credited_invoice=invoice).count() == 1
