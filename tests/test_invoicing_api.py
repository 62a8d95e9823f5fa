"""The invoices API as a client uses it: drafts, lists, issue, PDF, credit notes, roles and
retries with Idempotency-Key."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ardoise.audit.models import AuditEvent
from ardoise.invoicing.models import Invoice, InvoiceLine

from .factories import CompanyFactory, CustomerFactory, TaxCodeFactory, member
from .test_invoicing_services import customer, exempt, media_root, product, vat20, vat55

__all__ = ["customer", "exempt", "media_root", "product", "vat20", "vat55"]

LINE = {"description": "Audit", "quantity": "2", "unit_price": "150.00", "tax_code": "S20"}


@pytest.fixture
def created(clerk_api, customer, vat20, product):
    response = clerk_api.post(
        "/invoices",
        {
            "customer": customer.pk,
            "lines": [LINE, {"product": product.pk, "quantity": "1.5"}],
            "purchase_order": "PO-1",
            "delivery_notes": ["BL-9"],
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_create_returns_the_contract_shape(created, customer, product):
    assert created["status"] == "draft"
    assert created["kind"] == "invoice"
    assert created["number"] is None
    assert created["customer"] == customer.pk
    assert created["currency"] == "EUR"
    assert created["delivery_notes"] == ["BL-9"]
    assert created["lines"][0] == {
        "product": None,
        "description": "Audit",
        "quantity": "2",
        "unit": "C62",
        "unit_price": "150.00",
        "discount_percent": "0",
        "tax_code": "S20",
        "tax_category": "S",
        "tax_rate": "20",
        "net_amount": "300.00",
    }
    assert created["lines"][1]["product"] == product.pk
    assert created["lines"][1]["net_amount"] == "120.00"
    # 420.00 at 20 % = 84.00
    assert (created["total_net"], created["total_tax"], created["total"]) == (
        "420.00",
        "84.00",
        "504.00",
    )
    assert created["tax_breakdown"][0]["taxable_amount"] == "420.00"


def test_bad_input_is_422_naming_the_field(clerk_api, customer, vat20):
    before = Invoice.objects.count()
    for line, field in [
        ({**LINE, "quantity": "abc"}, "lines[0].quantity"),
        ({**LINE, "quantity": 1.5}, "lines[0].quantity"),
        ({**LINE, "quantity": "1e20"}, "lines[0].quantity"),
        ({**LINE, "tax_code": "NOPE"}, "lines[0].tax_code"),
    ]:
        response = clerk_api.post("/invoices", {"customer": customer.pk, "lines": [line]})
        assert response.status_code == 422, response.content
        assert response.json()["errors"][0]["field"] == field
    response = clerk_api.post(
        "/invoices", {"customer": customer.pk, "currency": "USD", "lines": [LINE]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "currency"
    assert Invoice.objects.count() == before


def test_other_company_customer_is_unknown(clerk_api, vat20):
    stranger = CustomerFactory(company=CompanyFactory(code="far"))
    response = clerk_api.post("/invoices", {"customer": stranger.pk, "lines": [LINE]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "customer"


def test_list_filters_and_cursor(clerk_api, company, customer, vat20):
    other = CustomerFactory(company=company)
    ids = []
    for n in range(5):
        who = customer if n % 2 == 0 else other
        response = clerk_api.post("/invoices", {"customer": who.pk, "lines": [LINE]})
        ids.append(response.json()["id"])
    page = clerk_api.get("/invoices", limit=2).json()
    assert [i["id"] for i in page["items"]] == ids[::-1][:2]
    page2 = clerk_api.get("/invoices", limit=2, cursor=page["next_cursor"]).json()
    assert [i["id"] for i in page2["items"]] == ids[::-1][2:4]
    mine = clerk_api.get("/invoices", customer=customer.pk).json()["items"]
    assert sorted(i["id"] for i in mine) == [ids[0], ids[2], ids[4]]
    clerk_api.post(f"/invoices/{ids[0]}/issue", {})
    issued = clerk_api.get("/invoices", status="issued").json()["items"]
    assert [i["id"] for i in issued] == [ids[0]]
    number = issued[0]["number"]
    assert [i["id"] for i in clerk_api.get("/invoices", q=number[-3:]).json()["items"]] == [ids[0]]
    today = timezone.localdate().isoformat()
    dated = clerk_api.get("/invoices", date_from=today, date_to=today).json()["items"]
    assert [i["id"] for i in dated] == [ids[0]]
    assert clerk_api.get("/invoices", kind="credit_note").json()["items"] == []


def test_list_query_count_does_not_grow(clerk_api, customer, vat20):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert clerk_api.get("/invoices").status_code == 200
        return len(queries)

    clerk_api.post("/invoices", {"customer": customer.pk, "lines": [LINE]})
    few = count()
    for _ in range(4):
        clerk_api.post("/invoices", {"customer": customer.pk, "lines": [LINE, LINE]})
    assert count() == few


def test_other_tenants_invoices_are_invisible(created, company, api_as):
    outsider = member(CompanyFactory(code="outside"), "admin", "outsider")
    api = api_as(outsider)
    assert api.get(f"/invoices/{created['id']}").status_code == 404
    assert api.get("/invoices").json()["items"] == []


def test_get_patch_delete(clerk_api, created):
    path = f"/invoices/{created['id']}"
    assert clerk_api.get(path).json()["id"] == created["id"]
    response = clerk_api.patch(path, {"notes": "Livraison partielle", "lines": [LINE]})
    assert response.status_code == 200, response.content
    assert response.json()["notes"] == "Livraison partielle"
    assert response.json()["total"] == "360.00"
    assert clerk_api.client.delete(f"/api/v1{path}").status_code == 204
    assert clerk_api.get(path).status_code == 404


def test_issue_pdf_and_patch_refused_with_credit_note_hint(clerk_api, created):
    path = f"/invoices/{created['id']}"
    response = clerk_api.post(f"{path}/issue", {})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "issued"
    assert body["number"].startswith("FA-")
    assert len(body["pdf_sha256"]) == 64
    pdf = clerk_api.get(f"{path}/pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    before = Invoice.objects.filter(pk=created["id"]).values().get()
    response = clerk_api.patch(path, {"notes": "changed"})
    assert response.status_code == 409
    assert "credit note" in response.json()["detail"]
    assert clerk_api.client.delete(f"/api/v1{path}").status_code == 409
    assert Invoice.objects.filter(pk=created["id"]).values().get() == before
    assert clerk_api.post(f"{path}/issue", {}).status_code == 409


def test_draft_pdf_is_a_marked_preview(clerk_api, created):
    response = clerk_api.get(f"/invoices/{created['id']}/pdf")
    assert response.status_code == 200
    assert response["X-Ardoise-Preview"] == "true"
    assert response.content.startswith(b"%PDF")
    assert Invoice.objects.get(pk=created["id"]).pdf_sha256 == ""


def test_credit_notes_full_and_partial(clerk_api, created):
    path = f"/invoices/{created['id']}"
    clerk_api.post(f"{path}/issue", {})
    partial = clerk_api.post(
        f"{path}/credit-notes",
        {"lines": [{**LINE, "quantity": "1"}], "reason": "Une prestation annulée"},
    )
    assert partial.status_code == 201, partial.content
    note = partial.json()
    assert (note["kind"], note["credited_invoice"], note["total"]) == (
        "credit_note",
        created["id"],
        "180.00",
    )
    issued = clerk_api.post(f"/invoices/{note['id']}/issue", {}).json()
    assert issued["number"].startswith("AV-")
    too_much = clerk_api.post(f"{path}/credit-notes", {"lines": [LINE, LINE]})
    assert too_much.status_code == 422
    assert too_much.json()["errors"][0]["rule"] == "over_credit"
    full = clerk_api.post(f"{path}/credit-notes", {"full": True})
    assert full.status_code == 422


def test_full_credit_note_by_default(clerk_api, created):
    path = f"/invoices/{created['id']}"
    clerk_api.post(f"{path}/issue", {})
    response = clerk_api.post(f"{path}/credit-notes", {})
    assert response.status_code == 201
    assert response.json()["total"] == created["total"]


def test_only_approvers_approve(company, clerk_api, approver, api_as, customer, vat20):
    company.approval_mode = "always"
    company.save()
    invoice = clerk_api.post("/invoices", {"customer": customer.pk, "lines": [LINE]}).json()
    path = f"/invoices/{invoice['id']}"
    assert clerk_api.post(f"{path}/issue", {}).status_code == 409
    assert clerk_api.post(f"{path}/submit").json()["status"] == "awaiting_approval"
    events = AuditEvent.objects.count()
    response = clerk_api.post(f"{path}/approve", {"comment": "me"})
    assert response.status_code == 403
    assert Invoice.objects.get(pk=invoice["id"]).status == "awaiting_approval"
    assert AuditEvent.objects.count() == events
    approver_api = api_as(approver)
    assert approver_api.post(f"{path}/reject", {}).status_code == 422
    rejected = approver_api.post(f"{path}/reject", {"comment": "Mauvais prix"}).json()
    assert (rejected["status"], rejected["approval_comment"]) == ("draft", "Mauvais prix")
    clerk_api.post(f"{path}/submit")
    approved = approver_api.post(f"{path}/approve").json()
    assert approved["status"] == "approved"
    assert clerk_api.post(f"{path}/issue").json()["status"] == "issued"


def test_auditor_is_read_only(created, auditor, api_as, customer):
    api = api_as(auditor)
    assert api.get(f"/invoices/{created['id']}").status_code == 200
    count = Invoice.objects.count()
    response = api.post("/invoices", {"customer": customer.pk, "lines": [LINE]})
    assert response.status_code == 403
    assert api.post(f"/invoices/{created['id']}/issue", {}).status_code == 403
    assert Invoice.objects.count() == count
    assert Invoice.objects.get(pk=created["id"]).status == "draft"


def test_idempotency_key_acts_once(clerk_api, customer, vat20):
    body = {"customer": customer.pk, "lines": [LINE]}
    first = clerk_api.post("/invoices", body, **{"Idempotency-Key": "create-1"})
    again = clerk_api.post("/invoices", body, **{"Idempotency-Key": "create-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Invoice.objects.count() == 1
    assert InvoiceLine.objects.count() == 1
    path = f"/invoices/{first.json()['id']}/issue"
    issued = clerk_api.post(path, {}, **{"Idempotency-Key": "issue-1"})
    replay = clerk_api.post(path, {}, **{"Idempotency-Key": "issue-1"})
    assert issued.status_code == replay.status_code == 200
    assert replay.json() == issued.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert AuditEvent.objects.filter(action="invoice.issue").count() == 1


def test_xof_invoice_in_whole_francs(db, api_as):
    niamey = CompanyFactory(
        code="ne", country="NE", currency="XOF", identifiers={"nif": "123456/R", "rccm": "NI-NIA"}
    )
    user = member(niamey, "clerk", "clerk-ne")
    TaxCodeFactory(company=niamey, code="TVA19", country="NE", rate=Decimal("19"))
    buyer = CustomerFactory(company=niamey, country="NE", currency="XOF", billing_country="NE")
    api = api_as(user)
    line = {"description": "Ciment", "quantity": "3", "unit_price": "1333.5", "tax_code": "TVA19"}
    response = api.post("/invoices", {"customer": buyer.pk, "lines": [line]})
    assert response.status_code == 201, response.content
    # 3 × 1 333.5 = 4 000.5 -> 4 001; 19 % -> 760.19 -> 760
    assert (response.json()["total_net"], response.json()["total"]) == ("4001", "4761")
