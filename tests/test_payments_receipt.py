"""The receipt PDF: one page in the customer's language, the same bytes every time."""

import datetime
from decimal import Decimal

import pytest

from ardoise.payments.receipt import ReceiptDocument, render_receipt_document


def receipt(language):
    return ReceiptDocument(
        language=language,
        number="RE-2026-000001",
        date=datetime.date(2026, 11, 27),
        seller=("Ardoise Démo SAS", "75002 Paris"),
        payer=("Client Lyon SARL",),
        method="cheque",
        payment_date=datetime.date(2026, 11, 26),
        amount=Decimal("1234.56"),
        currency="EUR",
        cheque_number="0012345",
        allocations=(("FA-2026-000001", Decimal("1000.00")),),
    )


@pytest.mark.parametrize("language", ["fr", "en", "es", "ar", "de"])
def test_a_receipt_is_one_deterministic_page_in_each_language(language):
    content = render_receipt_document(receipt(language))
    assert content.startswith(b"%PDF")
    assert content.count(b"/Type /Page\n") + content.count(b"/Type /Page ") <= 1 or (
        content.count(b"/Count 1") == 1
    )
    assert render_receipt_document(receipt(language)) == content
