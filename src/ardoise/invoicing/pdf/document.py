"""Everything printed on an invoice or credit note, as plain frozen data.

The renderer reads only these objects, never the database: a document is rendered from the
snapshot taken at issue, and tests and benchmarks build them directly.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .labels import SUPPORTED_LANGUAGES

DOCUMENT_KINDS = ("invoice", "credit_note")


@dataclass(frozen=True, slots=True)
class PdfLine:
    description: str
    quantity: Decimal
    unit_code: str
    unit_price: Decimal
    tax_rate: Decimal
    net_amount: Decimal
    discount_percent: Decimal = Decimal(0)
    tax_category: str = "S"


@dataclass(frozen=True, slots=True)
class PdfTaxRow:
    category: str
    rate: Decimal
    taxable_amount: Decimal
    tax_amount: Decimal
    exemption_reason: str = ""


@dataclass(frozen=True, slots=True)
class PdfDocument:
    kind: str
    number: str
    issue_date: datetime.date | None  # None only for draft previews
    currency: str
    language: str
    seller: dict[str, Any]
    buyer: dict[str, Any]
    lines: tuple[PdfLine, ...]
    tax_breakdown: tuple[PdfTaxRow, ...]
    total_net: Decimal
    total_tax: Decimal
    total: Decimal
    due_date: datetime.date | None = None
    purchase_order: str = ""
    delivery_notes: tuple[str, ...] = ()
    contract: str = ""
    notes: str = ""
    credited_invoice_number: str | None = None
    credited_invoice_date: datetime.date | None = None
    legal_mentions: tuple[str, ...] = ()
    amount_in_words: str = ""
    logo_path: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in DOCUMENT_KINDS:
            raise ValueError(f"kind must be one of {DOCUMENT_KINDS}, not {self.kind!r}")
        # "fr-FR" or "ar_DZ" from a profile print in the language's own words.
        language = (self.language or "").replace("_", "-").split("-")[0].lower()
        object.__setattr__(self, "language", language)
        if self.language not in SUPPORTED_LANGUAGES:
            raise ValueError(
                f"language must be one of {SUPPORTED_LANGUAGES}, not {self.language!r}"
            )
        for name in ("total_net", "total_tax", "total"):
            if not isinstance(getattr(self, name), Decimal):
                raise TypeError(f"{name} must be a Decimal")
        # Lists are accepted for convenience and frozen so the document cannot change.
        for name in ("lines", "tax_breakdown", "delivery_notes", "legal_mentions"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value or ()))

    @property
    def is_credit_note(self) -> bool:
        return self.kind == "credit_note"
