"""Invoicing services as business stories: drafts, approval, issue, credit notes, and bad
input that changes nothing."""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ardoise.audit.models import AuditEvent
from ardoise.core.errors import Conflict, InvalidInput
from ardoise.core.models import DocumentSequence
from ardoise.invoicing import services
from ardoise.invoicing.models import ImmutableDocumentError, Invoice, InvoiceLine, Status

from .factories import CompanyFactory, CustomerFactory, ProductFactory, TaxCodeFactory

D = Decimal


# ------------------------------------------------------------------ fixtures (shared by the
# other invoicing test files, which import them by name)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def vat20(company):
    return TaxCodeFactory(company=company, code="S20", rate=D("20"))


@pytest.fixture
def vat55(company):
    return TaxCodeFactory(company=company, code="R55", name="TVA 5,5 %", rate=D("5.5"))


@pytest.fixture
def exempt(company):
    return TaxCodeFactory(
        company=company,
        code="E261",
        name="Exonéré",
        category="E",
        rate=D("0"),
        exemption_reason="Exonération de TVA, article 261 4 4° du CGI",
    )


@pytest.fixture
def customer(company):
    return CustomerFactory(company=company, code="C-LYON", payment_terms_days=30)


@pytest.fixture
def product(company, vat20):
    return ProductFactory(
        company=company, code="DEV", name="Développement", unit_price=D("80"), tax_code=vat20
    )


@pytest.fixture
def draft(company, clerk, customer, product, vat55):
    # 10 h × 80 = 800.00 at 20 %; 2 × 12.50 − 10 % = 22.50 at 5.5 %
    return services.create_draft(
        company,
        actor=clerk,
        customer=customer,
        lines=[
            {"product": product.pk, "quantity": "10"},
            {
                "description": "Livres",
                "quantity": "2",
                "unit_price": "12.50",
                "discount_percent": "10",
                "tax_code": "R55",
            },
        ],
        purchase_order="PO-77",
        delivery_notes=["BL-1", "BL-2"],
    )


def make_draft(company, actor, customer, amount="100", **kwargs):
    return services.create_draft(
        company,
        actor=actor,
        customer=customer,
        lines=[
            {"description": "Service", "quantity": "1", "unit_price": amount, "tax_code": "S20"}
        ],
        **kwargs,
    )


def state(*models):
    """What the database holds: counts plus every invoice's values."""
    return (
        Invoice.objects.count(),
        InvoiceLine.objects.count(),
        AuditEvent.objects.count(),
        list(Invoice.objects.order_by("pk").values()),
        list(InvoiceLine.objects.order_by("pk").values()),
    )


def today():
    return timezone.localdate()


# ------------------------------------------------------------------ drafts


def test_a_draft_gets_its_lines_totals_and_breakdown(draft, product, vat20):
    assert draft.status == Status.DRAFT
    assert draft.number is None
    assert draft.currency == "EUR"
    assert draft.language == "fr"
    lines = list(draft.lines.all())
    assert [(line.description, line.unit, line.net_amount) for line in lines] == [
        ("Développement", "HUR", D("800.00")),
        ("Livres", "C62", D("22.50")),
    ]
    assert lines[0].tax_code == vat20 and lines[0].tax_rate == D("20")
    # 800 × 20 % = 160.00; 22.50 × 5.5 % = 1.2375 -> 1.24
    assert draft.tax_breakdown == [
        {
            "category": "S",
            "rate": "5.5",
            "taxable_amount": "22.50",
            "tax_amount": "1.24",
            "exemption_reason": "",
        },
        {
            "category": "S",
            "rate": "20",
            "taxable_amount": "800.00",
            "tax_amount": "160.00",
            "exemption_reason": "",
        },
    ]
    assert (draft.total_net, draft.total_tax, draft.total) == (
        D("822.50"),
        D("161.24"),
        D("983.74"),
    )
    assert AuditEvent.objects.filter(action="invoice.create", object_id=str(draft.pk)).exists()


def test_update_replaces_lines_and_audits_before_after(draft, clerk):
    updated = services.update_draft(
        draft,
        actor=clerk,
        lines=[{"description": "Forfait", "quantity": "1", "unit_price": "50", "tax_code": "S20"}],
        notes="Merci",
    )
    assert [line.description for line in updated.lines.all()] == ["Forfait"]
    assert updated.total == D("60.00")
    event = AuditEvent.objects.get(action="invoice.update")
    assert event.before["total"] == "983.7400" or D(event.before["total"]) == D("983.74")
    assert D(event.after["total"]) == D("60.00")


def test_delete_draft(draft, clerk):
    services.delete_draft(draft, actor=clerk)
    assert not Invoice.objects.filter(pk=draft.pk).exists()
    assert AuditEvent.objects.filter(action="invoice.delete").exists()


# ------------------------------------------------------------------ issue


def test_issue_gives_number_dates_snapshots_and_archived_pdf(draft, clerk, company, customer):
    invoice = services.issue_invoice(draft, actor=clerk)
    day = today()
    assert invoice.status == Status.ISSUED
    assert invoice.number == f"FA-{day.year}-000001"
    assert invoice.issue_date == day
    assert invoice.due_date == day + datetime.timedelta(days=30)
    assert invoice.seller_snapshot["legal_name"] == company.legal_name
    assert invoice.seller_snapshot["identifiers"]["siren"] == "732829320"
    assert invoice.buyer_snapshot["code"] == "C-LYON"
    assert invoice.buyer_snapshot["billing_address"]["city"] == "Lyon"
    assert invoice.legal_mentions, "the French pack prints legal mentions"
    assert invoice.issued_by == clerk
    content = invoice.pdf.read()
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == invoice.pdf_sha256
    event = AuditEvent.objects.get(action="invoice.issue")
    assert event.before["status"] == "draft"
    assert event.after["number"] == invoice.number

    # The customer changes later: the issued invoice keeps what was true that day.
    customer.billing_city = "Marseille"
    customer.save()
    invoice.refresh_from_db()
    assert invoice.buyer_snapshot["billing_address"]["city"] == "Lyon"


def test_numbers_follow_each_other_per_kind(company, clerk, customer, vat20):
    first = services.issue_invoice(make_draft(company, clerk, customer), actor=clerk)
    second = services.issue_invoice(make_draft(company, clerk, customer), actor=clerk)
    assert (first.sequence_number, second.sequence_number) == (1, 2)
    assert second.number.endswith("-000002")


def test_issuing_twice_is_refused(draft, clerk):
    invoice = services.issue_invoice(draft, actor=clerk)
    with pytest.raises(Conflict, match=f"already issued as N° {invoice.number}"):
        services.issue_invoice(invoice, actor=clerk)
    assert DocumentSequence.objects.get().last_number == 1


def test_issue_date_before_the_last_issued_is_refused_and_changes_nothing(
    company, clerk, customer, vat20
):
    services.issue_invoice(make_draft(company, clerk, customer), actor=clerk)
    late = make_draft(company, clerk, customer)
    before = state()
    with pytest.raises(InvalidInput) as caught:
        services.issue_invoice(late, actor=clerk, issue_date=today() - datetime.timedelta(days=1))
    assert caught.value.errors[0].field == "issue_date"
    assert caught.value.errors[0].rule == "date_order"
    assert state() == before
    assert DocumentSequence.objects.get().last_number == 1


def test_future_issue_date_is_refused(draft, clerk):
    with pytest.raises(InvalidInput) as caught:
        services.issue_invoice(draft, actor=clerk, issue_date=today() + datetime.timedelta(days=1))
    assert caught.value.errors[0].rule == "future"


def test_a_draft_without_lines_cannot_be_issued(company, clerk, customer):
    empty = services.create_draft(company, actor=clerk, customer=customer, lines=[])
    with pytest.raises(InvalidInput) as caught:
        services.issue_invoice(empty, actor=clerk)
    assert caught.value.errors[0].field == "lines"


def test_totals_edited_behind_the_services_back_are_refused(draft, clerk):
    Invoice.objects.filter(pk=draft.pk).update(total=D("1.00"))
    with pytest.raises(Conflict, match="totals"):
        services.issue_invoice(draft, actor=clerk)


def test_auditor_cannot_issue(draft, auditor):
    with pytest.raises(PermissionDenied):
        services.issue_invoice(draft, actor=auditor)


def test_issued_invoice_never_changes(draft, clerk):
    invoice = services.issue_invoice(draft, actor=clerk)
    with pytest.raises(Conflict, match="credit note"):
        services.update_draft(invoice, actor=clerk, notes="oops")
    with pytest.raises(Conflict, match="credit note"):
        services.delete_draft(invoice, actor=clerk)
    fresh = Invoice.objects.get(pk=invoice.pk)
    fresh.notes = "forged"
    with pytest.raises(ImmutableDocumentError):
        fresh.save()
    with pytest.raises(ImmutableDocumentError):
        fresh.delete()
    assert Invoice.objects.get(pk=invoice.pk).notes == ""


def test_issue_many_numbers_in_order(company, clerk, customer, vat20):
    drafts = [make_draft(company, clerk, customer, amount=str(n + 1)) for n in range(5)]
    issued = services.issue_many(drafts, actor=clerk, chunk_size=2)
    assert [i.sequence_number for i in issued] == [1, 2, 3, 4, 5]
    assert all(i.pdf_sha256 for i in issued)


def test_issue_many_skips_refused_documents_when_asked(company, clerk, customer, vat20):
    good = make_draft(company, clerk, customer)
    empty = services.create_draft(company, actor=clerk, customer=customer, lines=[])
    later = make_draft(company, clerk, customer)
    failures = []
    issued = services.issue_many([good, empty, later], actor=clerk, failures=failures)
    assert [i.pk for i in issued] == [good.pk, later.pk]
    assert [i.sequence_number for i in issued] == [1, 2]
    assert [(f[0].pk, f[1].errors[0].field) for f in failures] == [(empty.pk, "lines")]


# ------------------------------------------------------------------ approval


def test_threshold_approval_flow(company, clerk, approver, customer, vat20):
    company.approval_mode = "threshold"
    company.approval_threshold = D("1000")
    company.save()
    small = make_draft(company, clerk, customer, amount="100")
    big = make_draft(company, clerk, customer, amount="1000")  # 1 200.00 with VAT
    assert not services.needs_approval(small)
    assert services.needs_approval(big)
    services.issue_invoice(small, actor=clerk)
    with pytest.raises(Conflict, match="approval"):
        services.issue_invoice(big, actor=clerk)
    services.submit_for_approval(big, actor=clerk)
    with pytest.raises(Conflict, match="rejected back to draft"):
        services.update_draft(big, actor=clerk, notes="x")
    with pytest.raises(PermissionDenied):
        services.approve(big, actor=clerk)
    approved = services.approve(big, actor=approver, comment="OK")
    assert (approved.status, approved.approved_by, approved.approval_comment) == (
        Status.APPROVED,
        approver,
        "OK",
    )
    issued = services.issue_invoice(big, actor=clerk)
    assert issued.status == Status.ISSUED


def test_always_approval_reject_with_comment(company, clerk, approver, customer, vat20):
    company.approval_mode = "always"
    company.save()
    invoice = make_draft(company, clerk, customer, amount="1")
    with pytest.raises(Conflict):
        services.issue_invoice(invoice, actor=clerk)
    services.submit_for_approval(invoice, actor=clerk)
    with pytest.raises(InvalidInput) as caught:
        services.reject(invoice, actor=approver, comment="  ")
    assert caught.value.errors[0].field == "comment"
    rejected = services.reject(invoice, actor=approver, comment="Wrong PO number")
    assert (rejected.status, rejected.approval_comment) == (Status.DRAFT, "Wrong PO number")
    assert AuditEvent.objects.filter(action="invoice.reject").count() == 1
    services.update_draft(rejected, actor=clerk, purchase_order="PO-78")
    services.submit_for_approval(rejected, actor=clerk)
    services.approve(rejected, actor=approver)
    assert services.issue_invoice(rejected, actor=clerk).status == Status.ISSUED


# ------------------------------------------------------------------ credit notes


def test_full_credit_note(draft, clerk):
    invoice = services.issue_invoice(draft, actor=clerk)
    note = services.create_credit_note(invoice, actor=clerk, reason="Commande annulée")
    assert (note.kind, note.status, note.credited_invoice) == ("credit_note", "draft", invoice)
    assert note.total == invoice.total
    assert note.notes == "Commande annulée"
    issued = services.issue_invoice(note, actor=clerk)
    assert issued.number == f"AV-{today().year}-000001"
    assert issued.legal_mentions[0].startswith("Credit note correcting invoice") or (
        invoice.number in issued.legal_mentions[0]
    )
    assert issued.pdf.read().startswith(b"%PDF")
    with pytest.raises(InvalidInput) as caught:
        services.create_credit_note(invoice, actor=clerk)
    assert caught.value.errors[0].rule in {"already_credited", "over_credit"}


def test_partial_credit_notes_never_exceed_the_invoice(draft, clerk):
    invoice = services.issue_invoice(draft, actor=clerk)  # 983.74
    part = {"description": "Remise", "quantity": "1", "unit_price": "500", "tax_code": "S20"}
    first = services.create_credit_note(invoice, actor=clerk, lines=[part], full=False)
    assert first.total == D("600.00")
    services.issue_invoice(first, actor=clerk)
    # 600 + 600 > 983.74
    before = state()
    with pytest.raises(InvalidInput) as caught:
        services.create_credit_note(invoice, actor=clerk, lines=[part], full=False)
    assert caught.value.errors[0].rule == "over_credit"
    assert "383.74" in caught.value.errors[0].message
    assert state() == before
    with pytest.raises(InvalidInput) as caught:
        services.create_credit_note(invoice, actor=clerk)
    assert caught.value.errors[0].rule == "already_credited"


def test_two_credit_note_drafts_cannot_both_be_issued_over_the_total(draft, clerk):
    invoice = services.issue_invoice(draft, actor=clerk)
    part = {"description": "Remise", "quantity": "1", "unit_price": "500", "tax_code": "S20"}
    one = services.create_credit_note(invoice, actor=clerk, lines=[part], full=False)
    two = services.create_credit_note(invoice, actor=clerk, lines=[part], full=False)
    services.issue_invoice(one, actor=clerk)
    with pytest.raises(InvalidInput) as caught:
        services.issue_invoice(two, actor=clerk)
    assert caught.value.errors[0].rule == "over_credit"
    assert Invoice.objects.get(pk=two.pk).status == Status.DRAFT


def test_only_issued_invoices_are_credited(draft, clerk):
    with pytest.raises(Conflict):
        services.create_credit_note(draft, actor=clerk)


# ------------------------------------------------------------------ bad input changes nothing


@pytest.fixture
def foreign_customer(db):
    return CustomerFactory(company=CompanyFactory(code="elsewhere"))


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"currency": "USD"}, "currency", "currency_mismatch"),
        ({"customer": 999999}, "customer", "unknown"),
        ({"customer": "foreign"}, "customer", "unknown"),
        ({"line": {"tax_code": "NOPE"}}, "lines[0].tax_code", "unknown"),
        ({"line": {"quantity": "abc"}}, "lines[0].quantity", "number"),
        ({"line": {"quantity": "1e20"}}, "lines[0].quantity", "max_value"),
        ({"line": {"quantity": 1.5}}, "lines[0].quantity", "no_float"),
        ({"line": {"unit_price": "-3"}}, "lines[0].unit_price", "min_value"),
        ({"line": {"discount_percent": "120"}}, "lines[0].discount_percent", "range"),
        ({"line": {"product": 999999, "tax_code": None}}, "lines[0].product", "unknown"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_changes_nothing(
    company, clerk, customer, vat20, foreign_customer, change, field, rule
):
    existing = make_draft(company, clerk, customer)
    line = {"description": "Service", "quantity": "1", "unit_price": "10", "tax_code": "S20"}
    line |= change.get("line", {})
    kwargs = {"customer": customer.pk, "lines": [line]}
    if "currency" in change:
        kwargs["currency"] = change["currency"]
    if "customer" in change:
        kwargs["customer"] = (
            foreign_customer if change["customer"] == "foreign" else change["customer"]
        )
    before = state()
    with pytest.raises(InvalidInput) as caught:
        services.create_draft(company, actor=clerk, **kwargs)
    assert (caught.value.errors[0].field, caught.value.errors[0].rule) == (field, rule)
    assert caught.value.status == 422
    assert state() == before
    with pytest.raises(InvalidInput) as caught:
        services.update_draft(existing, actor=clerk, **kwargs)
    assert caught.value.errors[0].field == field
    assert state() == before


def test_all_errors_are_reported_at_once(company, clerk, customer, vat20):
    with pytest.raises(InvalidInput) as caught:
        services.create_draft(
            company,
            actor=clerk,
            customer=customer,
            lines=[
                {"description": "ok", "quantity": "1", "unit_price": "1", "tax_code": "S20"},
                {"quantity": "x", "unit_price": "1", "tax_code": "S20"},
                {"description": "y", "quantity": "1", "unit_price": "1", "tax_code": "??"},
            ],
        )
    assert [e.field for e in caught.value.errors] == [
        "lines[1].description",
        "lines[1].quantity",
        "lines[2].tax_code",
    ]


def test_inactive_customer_and_tax_code_are_refused(company, clerk, customer, vat20):
    customer.is_active = False
    customer.save()
    with pytest.raises(InvalidInput) as caught:
        make_draft(company, clerk, customer)
    assert caught.value.errors[0].rule == "inactive"
    customer.is_active = True
    customer.save()
    vat20.is_active = False
    vat20.save()
    with pytest.raises(InvalidInput) as caught:
        make_draft(company, clerk, customer)
    assert caught.value.errors[0].field == "lines[0].tax_code"


def test_auditor_cannot_create_drafts(company, auditor, customer, vat20):
    with pytest.raises(PermissionDenied):
        make_draft(company, auditor, customer)
    assert Invoice.objects.count() == 0
