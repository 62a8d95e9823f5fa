"""Invoice and credit-note PDFs, rendered from plain data and read back.

Text is read back with pypdf (per page) and, for layout-sensitive checks, with poppler's
pdftotext. Arabic comes back as reportlab wrote it: shaped presentation forms (U+FExx) in
visual order, so the tests compare against the same shaping and reordering of the source text.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import shutil
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import arabic_reshaper
import pytest
from bidi import get_display
from pypdf import PdfReader

from ardoise.invoicing.pdf import PdfDocument, PdfLine, PdfTaxRow, render_pdf
from ardoise.invoicing.pdf.fonts import FontNotFoundError, find_font
from ardoise.invoicing.pdf.formatting import format_money

D = Decimal
PNG_DIR = Path("/tmp/pdfcheck")

SELLERS = {
    "fr": {
        "legal_name": "Ardoise Démo SAS",
        "trade_name": "Ardoise Démo",
        "legal_form": "SAS",
        "share_capital": "10 000 €",
        "address_line1": "12 rue des Archives",
        "address_line2": "Bâtiment B",
        "postal_code": "75004",
        "city": "Paris",
        "country": "FR",
        "email": "facturation@ardoise.example",
        "phone": "+33 1 23 45 67 89",
        "website": "ardoise.example",
        "identifiers": {
            "siren": "732829320",
            "siret": "73282932000074",
            "vat": "FR44732829320",
            "rcs": "Paris B 732 829 320",
        },
        "bank_accounts": [
            {
                "label": "Compte principal",
                "bank_name": "Banque Exemple",
                "iban": "FR7630006000011234567890189",
                "bic": "AGRIFRPP",
            }
        ],
        "invoice_footer": "Ardoise Démo SAS — 12 rue des Archives, 75004 Paris",
        "invoice_terms": "Pénalités de retard : trois fois le taux d'intérêt légal. "
        "Indemnité forfaitaire pour frais de recouvrement : 40 €. Pas d'escompte.",
    },
    "ar": {
        "legal_name": "شركة الأردواز للخدمات ش.ذ.م.م",
        "trade_name": "الأردواز",
        "legal_form": "SARL",
        "share_capital": "1 000 000 DZD",
        "address_line1": "15 شارع ديدوش مراد",
        "address_line2": "",
        "postal_code": "16000",
        "city": "الجزائر",
        "country": "DZ",
        "email": "factures@ardoise.dz",
        "phone": "+213 21 63 45 78",
        "website": "ardoise.dz",
        "identifiers": {
            "nif": "000016001234567",
            "nis": "000116010123456",
            "rc": "16/00-1234567B19",
            "ai": "16012345678",
        },
        "bank_accounts": [
            {
                "label": "الحساب الرئيسي",
                "bank_name": "بنك الجزائر الخارجي",
                "iban": "DZ5800200001234567890123",
                "bic": "BEXADZAL",
            }
        ],
        "invoice_footer": "شركة الأردواز للخدمات — الجزائر العاصمة",
        "invoice_terms": "يستحق الدفع خلال 30 يوما من تاريخ الفاتورة.",
    },
}
SELLERS["en"] = SELLERS["fr"] | {
    "invoice_terms": "Late payment interest: three times the legal rate."
}
SELLERS["es"] = SELLERS["fr"] | {
    "legal_name": "Ardoise Demo SL",
    "trade_name": "",
    "legal_form": "SL",
    "share_capital": "3 000 €",
    "address_line1": "Calle Mayor 1",
    "address_line2": "",
    "postal_code": "28013",
    "city": "Madrid",
    "country": "ES",
    "identifiers": {"nif": "B12345674", "vat": "ESB12345674"},
    "invoice_terms": "Pago por transferencia bancaria.",
}

BUYERS = {
    "fr": {
        "code": "C0001",
        "legal_name": "Boulangerie Martin SARL",
        "trade_name": "",
        "email": "compta@martin.example",
        "identifiers": {"siret": "40483304800022", "vat": "FR83404833048"},
        "billing_address": {
            "line1": "3 place du Marché",
            "line2": "",
            "postal_code": "69002",
            "city": "Lyon",
            "country": "FR",
        },
    },
    "ar": {
        "code": "C0042",
        "legal_name": "مؤسسة النور للتجارة",
        "trade_name": "",
        "email": "contact@nour.dz",
        "identifiers": {"nif": "000031009876543"},
        "billing_address": {
            "line1": "حي 200 مسكن، عمارة 4",
            "line2": "",
            "postal_code": "31000",
            "city": "وهران",
            "country": "DZ",
        },
    },
}
BUYERS["en"] = BUYERS["fr"]
BUYERS["es"] = BUYERS["fr"] | {
    "billing_address": {
        "line1": "Gran Vía 2",
        "postal_code": "28013",
        "city": "Madrid",
        "country": "ES",
    }
}

DESCRIPTIONS = {
    "fr": [
        "Maintenance annuelle du parc informatique (contrat 2026, site de Lyon)",
        "Intervention sur site",
        "Câble réseau catégorie 6",
    ],
    "en": ["Annual IT maintenance (2026 contract, Lyon site)", "On-site call-out", "Network cable"],
    "es": ["Mantenimiento anual informático", "Intervención in situ", "Cable de red"],
    "ar": ["صيانة سنوية لأجهزة الإعلام الآلي", "تدخل في الموقع", "كابل شبكة من الفئة 6"],
}
LEGAL_MENTIONS = {
    "fr": [
        "En cas de retard de paiement, indemnité forfaitaire pour frais de recouvrement : 40 €."
    ],
    "en": ["Late payment: fixed compensation for recovery costs of EUR 40."],
    "es": ["Factura expedida conforme al Real Decreto 1619/2012."],
    "ar": ["تخضع هذه الفاتورة لأحكام قانون الضرائب المباشرة والرسوم المماثلة."],
}
WORDS = {
    "fr": "mille quatre cent quarante euros",
    "en": "one thousand four hundred and forty euros",
    "es": "mil cuatrocientos cuarenta euros",
    "ar": "ألف و أربعمائة و ثمانية و عشرون دينارا جزائريا",
}


def sample_document(
    language: str = "fr", *, line_count: int = 3, kind: str = "invoice", currency: str | None = None
) -> PdfDocument:
    currency = currency or ("DZD" if language == "ar" else "EUR")
    rate = D("19") if language == "ar" else D("20")
    prices = [D("1000.00"), D("120.00"), D("5.00")]
    quantities = [D("1"), D("1.5"), D("4")]
    units = ["C62", "HUR", "MTR"]
    descriptions = DESCRIPTIONS[language]
    lines = []
    for index in range(line_count):
        price, quantity = prices[index % 3], quantities[index % 3]
        lines.append(
            PdfLine(
                description=descriptions[index % 3] + (f" ({index + 1})" if line_count > 3 else ""),
                quantity=quantity,
                unit_code=units[index % 3],
                unit_price=price,
                discount_percent=D("0"),
                tax_rate=rate,
                tax_category="S",
                net_amount=price * quantity,
            )
        )
    total_net = sum((line.net_amount for line in lines), D(0))
    total_tax = (total_net * rate / 100).quantize(D("0.01"))
    credit = kind == "credit_note"
    return PdfDocument(
        kind=kind,
        number=("AV-2026-000007" if credit else "FA-2026-000123"),
        issue_date=datetime.date(2026, 1, 15),
        due_date=datetime.date(2026, 2, 14),
        currency=currency,
        language=language,
        seller=SELLERS[language],
        buyer=BUYERS[language],
        lines=lines,
        tax_breakdown=[
            PdfTaxRow("S", rate, total_net, total_tax),
        ],
        total_net=total_net,
        total_tax=total_tax,
        total=total_net + total_tax,
        purchase_order="PO-4711",
        delivery_notes=["BL-2026-0012", "BL-2026-0013"],
        contract="CT-2025-09",
        notes="",
        credited_invoice_number="FA-2026-000123" if credit else None,
        credited_invoice_date=datetime.date(2026, 1, 15) if credit else None,
        legal_mentions=LEGAL_MENTIONS[language],
        amount_in_words=WORDS[language],
        logo_path=None,
    )


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def shaped(text: str) -> str:
    """Arabic as extractors give it back: presentation forms, in logical order.

    The PDF holds the glyphs in visual order (left to right); pypdf and pdftotext detect the
    right-to-left runs and give them back in reading order, so an extracted string equal to
    the shaped logical text proves both the shaping and the reordering.
    """
    return arabic_reshaper.reshape(text)


def visual(text: str) -> str:
    """The order in which reportlab draws an Arabic line: shaped, then reordered."""
    return get_display(arabic_reshaper.reshape(text), base_dir="R")


def squash(text: str) -> str:
    return "".join(text.split()).replace("\u202f", "").replace("\u00a0", "")


def save_png(name: str, data: bytes) -> None:
    """Keep a picture of each page for the eye (``pdftoppm -png -r 70``), when poppler is here."""
    if shutil.which("pdftoppm") is None:
        return
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    pdf = PNG_DIR / f"{name}.pdf"
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(PNG_DIR / name)], check=True)


@pytest.mark.parametrize(
    ("language", "total", "iban"),
    [
        ("fr", "1\u202f440,00\u00a0€", "FR76 3000 6000 0112 3456 7890 189"),
        ("en", "€1,440.00", "FR76 3000 6000 0112 3456 7890 189"),
        ("es", "1.440,00\u00a0€", "FR76 3000 6000 0112 3456 7890 189"),
    ],
)
def test_invoice_prints_number_totals_words_mentions_and_bank_details(language, total, iban):
    doc = sample_document(language)
    data = render_pdf(doc)
    save_png(f"invoice-{language}", data)
    text = pdf_text(data)

    assert data.startswith(b"%PDF-")
    assert "FA-2026-000123" in text
    assert format_money(doc.total, "EUR", language) == total
    assert squash(total) in squash(text)
    assert squash(WORDS[language]) in squash(text)
    assert squash(LEGAL_MENTIONS[language][0]) in squash(text)
    assert iban in text
    assert "PO-4711" in text and "BL-2026-0013" in text


def test_french_invoice_reads_as_a_french_invoice():
    text = pdf_text(render_pdf(sample_document("fr")))

    for expected in ("FACTURE", "Total HT", "Total TTC", "15 janvier 2026", "unité", "heure"):
        assert expected in text
    assert "1\u202f000,00" in text  # net of the first line, French grouping
    assert "Page 1 / 1" in text


def test_credit_note_names_the_invoice_it_credits():
    for language, title, mention in [
        ("fr", "AVOIR", "Avoir sur facture N° FA-2026-000123 du 15 janvier 2026"),
        ("en", "CREDIT NOTE", "Credit note for invoice No. FA-2026-000123 of January 15, 2026"),
        (
            "es",
            "FACTURA RECTIFICATIVA",
            "Rectifica la factura n.º FA-2026-000123 del 15 de enero de 2026",
        ),
    ]:
        data = render_pdf(sample_document(language, kind="credit_note"))
        save_png(f"credit-{language}", data)
        text = pdf_text(data)
        assert title in text.replace("\n", " ")
        assert "AV-2026-000007" in text
        assert squash(mention) in squash(text)


def test_currency_minor_units_follow_the_currency():
    xof = pdf_text(render_pdf(sample_document("fr", currency="XOF")))
    tnd = pdf_text(render_pdf(sample_document("fr", currency="TND")))

    # pypdf gives no-break spaces back as plain spaces, hence the squash.
    assert "1440FCFA" in squash(xof) and "1440,00" not in squash(xof)
    assert "1440,000TND" in squash(tnd)


def test_long_invoice_flows_over_several_pages_with_the_table_header_repeated():
    data = render_pdf(sample_document("fr", line_count=60))
    save_png("invoice-fr-60", data)
    reader = PdfReader(io.BytesIO(data))
    pages = [page.extract_text() for page in reader.pages]

    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} / {len(pages)}" in page
        assert "FA-2026-000123" in page
    assert all("Désignation" in page for page in pages if "(60)" in page or "(30)" in page)
    assert "(60)" in "".join(pages) and "Total TTC" in pages[-1]


def test_arabic_invoice_is_shaped_right_to_left_and_keeps_latin_figures_in_order():
    data = render_pdf(sample_document("ar"))
    save_png("invoice-ar", data)
    text = pdf_text(data)

    # pypdf returns the glyphs as written: Arabic presentation forms, in visual order.
    assert shaped("فاتورة") in text
    assert any("\ufe70" <= char <= "\ufeff" for char in text)
    assert shaped("المجموع شامل الضريبة") in text
    assert squash(shaped(WORDS["ar"])) in squash(text)
    # Latin runs inside Arabic lines keep their left-to-right order.
    assert "FA-2026-000123" in text
    assert "DZ58 0020 0001 2345 6789 0123" in text
    assert "+213 21 63 45 78" in text
    assert "1,428.00" in text  # 1 200 DZD net + 19 % VAT, Latin digits


def test_arabic_pages_read_right_to_left_with_pdftotext():
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    data = render_pdf(sample_document("ar", kind="credit_note"))
    save_png("credit-ar", data)
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    text = result.stdout.decode()

    assert shaped("إشعار دائن") in text
    assert "AV-2026-000007" in text and "FA-2026-000123" in text


def test_fonts_are_embedded_subsets():
    reader = PdfReader(io.BytesIO(render_pdf(sample_document("ar"))))
    embedded = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                embedded.add(str(font["/BaseFont"]).split("+", 1)[1])
    assert {
        "DejaVuSans",
        "DejaVuSans-Bold",
        "NotoSansArabic-Regular",
        "NotoSansArabic-Bold",
    } <= embedded


def test_metadata_and_identical_bytes_for_the_same_document():
    doc = sample_document("fr")
    first, second = render_pdf(doc), render_pdf(doc)
    info = PdfReader(io.BytesIO(first)).metadata

    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    assert info.title == "FA-2026-000123"
    assert info.author == "Ardoise Démo SAS"
    assert info.subject == "FACTURE FA-2026-000123"
    assert info["/CreationDate"].startswith("D:20260115")


def test_exemption_reason_discount_and_logo_are_printed(tmp_path):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (300, 100), (30, 90, 160)).save(logo)
    doc = sample_document("fr")
    line = doc.lines[0]
    discounted = PdfLine(
        description=line.description,
        quantity=line.quantity,
        unit_code="DAY",
        unit_price=line.unit_price,
        discount_percent=D("12.5"),
        tax_rate=D("0"),
        tax_category="E",
        net_amount=D("875.00"),
    )
    reason = "Exonération de TVA, article 261 C du CGI"
    doc = replace(
        doc,
        lines=[discounted, *doc.lines[1:]],
        tax_breakdown=[
            PdfTaxRow("S", D("20"), D("200.00"), D("40.00")),
            PdfTaxRow("E", D("0"), D("875.00"), D("0.00"), reason),
        ],
        logo_path=str(logo),
        notes="Livraison partielle, le solde suivra.",
    )
    data = render_pdf(doc)
    save_png("invoice-fr-exempt", data)
    text = pdf_text(data)

    assert squash(reason) in squash(text)
    assert "12,5 %" in text
    assert "jour" in text
    assert b"/Subtype /Image" in data
    assert "Livraison partielle" in text


def test_wrong_language_and_missing_font_fail_clearly(tmp_path):
    with pytest.raises(ValueError, match="language"):
        replace(sample_document("fr"), language="de")
    with pytest.raises(FontNotFoundError, match="fonts-noto-core"):
        find_font("NotoSansArabic-Regular.ttf", "fonts-noto-core", [tmp_path])


def test_regional_language_codes_and_draft_previews_render():
    draft = replace(sample_document("fr"), language="fr-FR", issue_date=None, number="")

    text = pdf_text(render_pdf(draft))

    assert draft.language == "fr"
    assert "FACTURE" in text and "Total TTC" in text


def test_threads_rendering_at_once_give_the_same_bytes_as_one_after_the_other():
    """reportlab's fonts are shared by the whole process: a threaded server renders several
    documents at once (invoices here; receipts and statements go through the same
    `write_pdf`) without one reading the other's glyphs."""
    from concurrent.futures import ThreadPoolExecutor

    # Accented letters are composite glyphs: their parts are read from the font file.
    accents = "àâäçéèêëîïôöùûüÿñœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸÑŒÆáíóúÁÍÓÚğşıİ"
    documents = []
    for language in ("fr", "es", "ar"):
        for shift in range(3):
            document = sample_document(language, line_count=3)
            text = accents[shift:] + accents[:shift]
            lines = [replace(line, description=text) for line in document.lines]
            documents.append(replace(document, lines=lines))
    expected = [render_pdf(document) for document in documents]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show at once
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            for _round in range(15):
                assert list(pool.map(render_pdf, documents)) == expected
    finally:
        sys.setswitchinterval(interval)
