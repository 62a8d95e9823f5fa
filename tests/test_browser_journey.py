"""One real-browser journey through the staff pages: a clerk logs in, creates a customer,
writes a two-line invoice watching the totals update live, issues it and downloads its PDF.

Runs Debian's chromium through Playwright (never Playwright's own browser download).
"""

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from ardoise.catalog.models import TaxCode

from .factories import CompanyFactory, ProductFactory, TaxCodeFactory, member

SHOTS = Path("/tmp/shots")
PASSWORD = "journey-pass-2026"


@pytest.fixture
def browser(chromium):
    SHOTS.mkdir(parents=True, exist_ok=True)
    return chromium


@pytest.fixture
def seeded():
    company = CompanyFactory(code="journey", legal_name="Atelier Journée SAS")
    try:
        from ardoise.catalog.services import seed_tax_codes
    except ImportError:
        seed_tax_codes = None
    if seed_tax_codes is not None:
        seed_tax_codes(company, actor=None)
    vat20 = TaxCode.objects.filter(company=company, rate=Decimal("20"), category="S").first() or (
        TaxCodeFactory(company=company, code="FR-S20", rate=Decimal("20"))
    )
    product = ProductFactory(
        company=company,
        code="CONSEIL",
        name="Conseil en organisation",
        unit="HUR",
        unit_price=Decimal("80.00"),
        tax_code=vat20,
    )
    clerk = member(company, "clerk", "claire")
    clerk.set_password(PASSWORD)
    clerk.save()
    return {"company": company, "vat20": vat20, "product": product, "clerk": clerk}


def total_text(page) -> str:
    return page.locator('#invoice-totals [data-total="total"]').inner_text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_clerk_invoices_a_new_customer_end_to_end(live_server, browser, seeded):
    from pypdf import PdfReader

    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    url = live_server.url

    # Log in.
    page.goto(f"{url}/login/")
    page.fill('input[name="username"]', "claire")
    page.fill('input[name="password"]', PASSWORD)
    page.locator('form [type="submit"]').first.click()
    page.wait_for_url(f"{url}/")

    # A new customer, through the customer pages.
    page.goto(f"{url}/customers/new/")
    page.fill('input[name="code"]', "BERTIN")
    page.fill('input[name="legal_name"]', "Bertin Logistique SARL")
    page.fill('input[name="email"]', "compta@bertin.example")
    page.fill('input[name="billing_line1"]', "8 quai de Saône")
    page.fill('input[name="billing_postal_code"]', "69002")
    page.fill('input[name="billing_city"]', "Lyon")
    if page.locator('input[name="siren"]').count():
        page.fill('input[name="siren"]', "552100554")
    if page.locator('input[name="vat"]').count():
        page.fill('input[name="vat"]', "FR96552100554")
    page.locator('main form button[type="submit"]').last.click()
    page.wait_for_url(re.compile(r"/customers/\d+/$"))

    # A new invoice with two lines; the total follows what is typed.
    page.goto(f"{url}/invoices/")
    page.screenshot(path=str(SHOTS / "invoice-list-empty.png"), full_page=True)
    page.get_by_role("link", name="New invoice").click()
    # Saving an empty form keeps the user on the page with the errors next to the fields.
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    assert page.locator(".errorlist").first.is_visible()
    page.screenshot(path=str(SHOTS / "invoice-edit-errors.png"), full_page=True)
    page.select_option('select[name="customer"]', label="Bertin Logistique SARL (BERTIN)")
    assert page.locator("#invoice-currency").inner_text() == "EUR"
    rows = page.locator("[data-lines] tr")
    assert rows.count() == 1
    rows.nth(0).locator('select[name="line_product"]').select_option(str(seeded["product"].pk))
    assert rows.nth(0).locator('input[name="line_description"]').input_value() == (
        "Conseil en organisation"
    )
    rows.nth(0).locator('input[name="line_quantity"]').fill("3")
    page.wait_for_function(
        "document.querySelector('#invoice-totals [data-total=total]')"
        "?.textContent.includes('288.00')"
    )  # 3 × 80.00 = 240.00 + 20 % VAT
    page.get_by_role("button", name="Add a line").click()
    assert rows.count() == 2
    second = rows.nth(1)
    second.locator('input[name="line_description"]').fill("Frais de déplacement")
    second.locator('select[name="line_tax_code"]').select_option(seeded["vat20"].code)
    second.locator('input[name="line_unit_price"]').fill("50")
    second.locator('input[name="line_quantity"]').fill("2")
    page.wait_for_function(
        "document.querySelector('#invoice-totals [data-total=total]')"
        "?.textContent.includes('408.00')"
    )  # (240.00 + 100.00) × 1.2
    # A third line added and removed again leaves the total alone.
    page.get_by_role("button", name="Add a line").click()
    assert rows.count() == 3
    rows.nth(2).get_by_role("button", name="Remove this line").click()
    assert rows.count() == 2
    page.screenshot(path=str(SHOTS / "invoice-edit.png"), full_page=True)
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/invoices/\d+/$"))
    assert "408.00" in page.locator('[data-total="total"]').inner_text()

    # Issue it, after reading that it cannot be changed afterwards.
    page.locator("#issue-panel summary").click()
    assert page.get_by_text("cannot be changed afterwards").is_visible()
    page.get_by_role("button", name="Issue now").click()
    page.wait_for_load_state()
    assert page.locator(".badge.issued").is_visible()
    number = page.locator("h1").inner_text().split()[-1]
    assert re.search(r"\d", number)
    assert page.get_by_role("link", name="Edit").count() == 0
    page.screenshot(path=str(SHOTS / "invoice-detail.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"{number}.pdf"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert number in text
    assert re.search(r"408[.,]00", text)

    page.goto(f"{url}/invoices/")
    page.screenshot(path=str(SHOTS / "invoice-list.png"), full_page=True)

    # The editor reads right to left in Arabic.
    context.add_cookies([{"name": "django_language", "value": "ar", "url": url}])
    page.goto(f"{url}/invoices/new/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.locator("[data-add-line]").click()
    page.screenshot(path=str(SHOTS / "invoice-edit-ar.png"), full_page=True)
    context.close()
