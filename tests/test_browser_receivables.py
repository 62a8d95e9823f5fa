"""One real-browser journey through the receivables pages: a clerk reads the aged balance,
records a cheque watching the suggested allocation appear live, sees the oldest invoice paid
on the customer's account, and the aged balance go down by the cheque.

Runs Debian's chromium through Playwright (never Playwright's own browser download).
"""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from ardoise.invoicing import services as invoicing

from .factories import CompanyFactory, CustomerFactory, TaxCodeFactory, member

SHOTS = Path("/tmp/shots3")
PASSWORD = "receivables-pass-2026"


@pytest.fixture
def browser(chromium):
    SHOTS.mkdir(parents=True, exist_ok=True)
    return chromium


@pytest.fixture
def seeded(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    company = CompanyFactory(code="recv", legal_name="Atelier Encaissement SAS")
    TaxCodeFactory(company=company, code="S20", rate=Decimal("20"))
    clerk = member(company, "clerk", "camille")
    clerk.set_password(PASSWORD)
    clerk.save()
    customer = CustomerFactory(
        company=company, code="BERTIN", legal_name="Bertin Logistique SARL", payment_terms_days=30
    )
    today = timezone.localdate()
    invoices = []
    for net, days in (("100", 40), ("200", 10)):  # 120.00 overdue 10 days, 240.00 not due
        draft = invoicing.create_draft(
            company,
            actor=clerk,
            customer=customer,
            lines=[
                {"description": "Transport", "quantity": "1", "unit_price": net, "tax_code": "S20"}
            ],
        )
        issued = invoicing.issue_invoice(
            draft, actor=clerk, issue_date=today - datetime.timedelta(days=days)
        )
        invoices.append(issued)
    return {"company": company, "clerk": clerk, "customer": customer, "invoices": invoices}


def row_total(page, customer) -> str:
    return page.locator(f'tr[data-customer="{customer.pk}"] td.num').last.inner_text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_clerk_records_a_cheque_and_the_aged_balance_goes_down(live_server, browser, seeded):
    customer = seeded["customer"]
    first, second = seeded["invoices"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    url = live_server.url

    page.goto(f"{url}/login/")
    page.fill('input[name="username"]', "camille")
    page.fill('input[name="password"]', PASSWORD)
    page.locator('form [type="submit"]').first.click()
    page.wait_for_url(f"{url}/")

    # The aged balance before: 360.00 owed, 120.00 of it 1-30 days late.
    page.get_by_role("navigation").get_by_role("link", name="Aged balance").click()
    assert re.search(r"360[.,]00", row_total(page, customer))

    # A cheque of 200.00: the suggestion pays the oldest invoice first, then part of the next.
    page.get_by_role("navigation").get_by_role("link", name="Payments").click()
    page.get_by_role("link", name="Record a payment").click()
    assert not page.locator("#cheque-fields").is_visible()
    page.select_option("#id_method", "cheque")
    assert page.locator("#cheque-fields").is_visible()
    page.fill("#id_cheque_number", "0012345")
    page.fill("#id_cheque_bank", "Banque Populaire")
    page.select_option("#id_customer", label="Bertin Logistique SARL (BERTIN)")
    assert page.locator("#payment-currency").inner_text() == "EUR"
    page.fill("#id_amount", "200")
    first_row = page.locator(f'#allocations tr[data-invoice="{first.pk}"]')
    second_row = page.locator(f'#allocations tr[data-invoice="{second.pk}"]')
    first_row.locator("input.amount").wait_for()
    page.wait_for_function(
        f"document.querySelector('input[name=amount_{second.pk}]')?.value === '80.00'"
    )
    assert first_row.locator("input.amount").input_value() == "120.00"
    assert first_row.locator('input[name="apply"]').is_checked()
    assert "Oldest due first" in first_row.inner_text()
    assert re.search(r"0[.,]00", page.locator("#allocations-left").inner_text())
    # Unticked, the second invoice gets nothing; ticked again, what the cheque has left.
    second_row.locator('input[name="apply"]').uncheck()
    page.wait_for_function(
        "/80[.,]00/.test(document.querySelector('#allocations-left').textContent)"
    )
    second_row.locator('input[name="apply"]').check()
    assert second_row.locator("input.amount").input_value() == "80.00"
    # The clerk keeps 50.00 on the account instead of paying more of the second invoice.
    second_row.locator("input.amount").fill("30.00")
    page.wait_for_function(
        "/50[.,]00/.test(document.querySelector('#allocations-left').textContent)"
    )
    page.screenshot(path=str(SHOTS / "payment-entry.png"), full_page=True)
    page.get_by_role("button", name="Record the payment").click()
    page.wait_for_url(re.compile(r"/payments/\d+/$"))
    assert page.locator("td.lettering").first.inner_text() == "AA"
    assert re.search(r"50[.,]00", page.locator("#payment-unapplied").inner_text())
    page.screenshot(path=str(SHOTS / "payment-detail.png"), full_page=True)

    # On the account: the first invoice paid, the second partly, the cash left unapplied.
    page.get_by_role("link", name="Customer account").click()
    page.select_option('select[name="show"]', "all")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    first_item = page.locator("tr", has=page.get_by_role("link", name=first.number))
    assert "Paid" in first_item.inner_text()
    second_item = page.locator("tr", has=page.get_by_role("link", name=second.number))
    assert "Partially paid" in second_item.inner_text()
    assert re.search(r"160[.,]00", page.locator("#account-balance-EUR").inner_text())
    page.screenshot(path=str(SHOTS / "account.png"), full_page=True)

    # The aged balance after: 360.00 − 200.00; nothing left late; 50.00 unapplied.
    page.get_by_role("navigation").get_by_role("link", name="Aged balance").click()
    assert re.search(r"160[.,]00", row_total(page, customer))
    page.screenshot(path=str(SHOTS / "aged-balance.png"), full_page=True)
    # Drill down from the unapplied column to the payment.
    page.locator(f'tr[data-customer="{customer.pk}"] td.num a').last.click()
    page.wait_for_load_state()
    assert page.locator("tbody tr[data-item]").count() == 1
    assert "Unapplied" in page.locator("tbody tr[data-item]").inner_text()
    context.close()
