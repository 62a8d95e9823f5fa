"""One PDF written from start to finish: fonts, the canvas and its metadata, the painter,
then `save()`, under the process-wide PDF lock.

reportlab shares each TrueType face with the whole process, and subsetting it (on
`canvas.save()`) reads the font file through the face's one cursor: two threads writing
PDFs at once read each other's glyphs (IndexError, or a wrong subset embedded). So one PDF
at a time per process, from the first glyph drawn to `save()`; batches render on worker
processes, each with its own fonts.
"""

from __future__ import annotations

import datetime
import io
import threading
from collections.abc import Callable

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from .fonts import register_fonts
from .labels import RIGHT_TO_LEFT_LANGUAGES
from .painter import Painter
from .text import Typesetter

PDF_LOCK = threading.Lock()


def write_pdf(
    draw: Callable[[Painter], object],
    *,
    language: str,
    title: str,
    author: str,
    date: datetime.date | None,
    subject: str = "",
    initial_font_size: float | None = None,
) -> bytes:
    """The bytes of the PDF `draw` paints. `date` stands for the creation and modification
    dates, so that the same document always gives the same bytes (invariant=1 fixes the
    document ID)."""
    register_fonts()
    options = {} if initial_font_size is None else {"initialFontSize": initial_font_size}
    with PDF_LOCK:
        buffer = io.BytesIO()
        canvas = Canvas(
            buffer, pagesize=A4, invariant=1, pageCompression=1, lang=language, **options
        )
        canvas.setTitle(title)
        canvas.setAuthor(author)
        if subject:
            canvas.setSubject(subject)
        canvas.setCreator("Ardoise")
        if date is not None:
            stamp = date.strftime("D:%Y%m%d000000+00'00'")
            canvas.setDateFormatter(lambda *_parts: stamp)
        draw(Painter(canvas, Typesetter(right_to_left=language in RIGHT_TO_LEFT_LANGUAGES)))
        canvas.save()
        return buffer.getvalue()
