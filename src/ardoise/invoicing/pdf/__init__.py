"""Invoice and credit-note PDFs rendered from plain data (no database access).

Build a :class:`PdfDocument` from an issued invoice's snapshot and call :func:`render_pdf`.
"""

from .document import PdfDocument, PdfLine, PdfTaxRow
from .fonts import FontNotFoundError, register_fonts
from .render import render_pdf

__all__ = [
    "FontNotFoundError",
    "PdfDocument",
    "PdfLine",
    "PdfTaxRow",
    "register_fonts",
    "render_pdf",
]
