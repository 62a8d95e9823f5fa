"""What the customer receives: the archived PDF of an issued invoice carries its number,
totals, amount in words and the legal mentions of the seller's country, in the customer's
language; a credit note names the invoice it corrects."""

import hashlib
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from ardoise.catalog.services import seed_tax_codes
from ardoise.invoicing import services

from .factories import CompanyFactory, CustomerFactory, member


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf_text(invoice) -> str:
    data = invoice.pdf.read()
    invoice.pdf.close()
    assert hashlib.sha256(data).hexdigest() == invoice.pdf_sha256
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return text.replace("\u202f", " ").replace("\xa0", " ")


def issue(company, clerk, customer, lines):
    draft = services.create_draft(company, actor=clerk, customer=customer, lines=lines)
    return services.issue_invoice(draft, actor=clerk)


@pytest.fixture
def french_seller(db):
    company = CompanyFactory(code="fr-seller", legal_name="Atelier Lilas SAS")
    seed_tax_codes(company, actor=None)
    return company, member(company, "clerk")


def test_french_invoice_pdf_carries_number_totals_and_legal_mentions(french_seller):
    company, clerk = french_seller
    customer = CustomerFactory(company=company, identifiers={"siren": "552100554"})
    invoice = issue(
        company,
        clerk,
        customer,
        [{"description": "Audit", "quantity": "3", "unit_price": "412.50", "tax_code": "FR-S20"}],
    )
    assert (invoice.total_net, invoice.total_tax, invoice.total) == (
        Decimal("1237.50"),
        Decimal("247.50"),
        Decimal("1485.00"),
    )
    text = pdf_text(invoice)
    assert "FACTURE" in text
    assert invoice.number in text
    assert "1 237,50" in text and "247,50" in text and "1 485,00" in text
    assert "mille quatre cent quatre-vingt-cinq euros" in text
    assert "SIREN" in text and "732829320" in text  # seller identifiers
    assert "40 €" in text  # fixed recovery indemnity, B2B France
    assert "Pas d'escompte" in text
    assert "SAS au capital de" in text


def test_credit_note_pdf_names_the_corrected_invoice(french_seller):
    company, clerk = french_seller
    customer = CustomerFactory(company=company, identifiers={"siren": "552100554"})
    invoice = issue(
        company,
        clerk,
        customer,
        [{"description": "Audit", "quantity": "1", "unit_price": "100", "tax_code": "FR-S20"}],
    )
    credit = services.issue_invoice(
        services.create_credit_note(invoice, actor=clerk, full=True), actor=clerk
    )
    assert credit.number.startswith("AV-")
    text = pdf_text(credit)
    assert "AVOIR" in text
    assert invoice.number in text


def test_exempt_line_prints_its_exemption_reason(french_seller):
    company, clerk = french_seller
    customer = CustomerFactory(
        company=company,
        country="DE",
        billing_country="DE",
        identifiers={"vat": "DE136695976"},
    )
    invoice = issue(
        company,
        clerk,
        customer,
        [{"description": "Livraison", "quantity": "1", "unit_price": "500", "tax_code": "FR-K"}],
    )
    assert invoice.total_tax == 0
    assert "262 ter" in pdf_text(invoice)


def test_algerian_invoice_in_arabic_has_amount_in_words_and_identifiers(db):
    company = CompanyFactory(
        code="dz-seller",
        legal_name="Ardoise Algérie SARL",
        country="DZ",
        currency="DZD",
        city="Alger",
        identifiers={
            "nif": "000016001234567",
            "nis": "000116010012345",
            "rc": "16/00-0123456B19",
            "ai": "16012345678",
        },
    )
    seed_tax_codes(company, actor=None)
    clerk = member(company, "clerk")
    customer = CustomerFactory(
        company=company,
        country="DZ",
        billing_country="DZ",
        currency="DZD",
        language="ar",
        identifiers={
            "nif": "000216001234561",
            "nis": "000216010012349",
            "rc": "16/00-0654321B20",
            "ai": "16098765432",
        },
    )
    invoice = issue(
        company,
        clerk,
        customer,
        [
            {
                "description": "Maintenance",
                "quantity": "2",
                "unit_price": "10000",
                "tax_code": "DZ-S19",
            }
        ],
    )
    assert invoice.total == Decimal("23800.00")
    assert invoice.language == "ar"
    text = pdf_text(invoice)
    assert invoice.number in text
    assert "000016001234567" in text  # seller NIF
    assert "23,800.00" in text
