"""Drawing primitives over a reportlab canvas, in logical (reading-direction) coordinates.

Layout code places boxes by their offset from the *start* edge of the content area (left in
French, right in Arabic); the painter mirrors them for right-to-left documents. Every drawing
method can run ``dry`` to measure a height without drawing, so the paginator and the drawing
share one piece of layout code.
"""

from __future__ import annotations

from functools import lru_cache

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from .text import TextLine, Typesetter

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 40.0
MARGIN_TOP = 38.0
MARGIN_BOTTOM = 30.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
LEADING = 1.32
ASCENT = 0.96

INK = (0.13, 0.13, 0.15)
MUTED = (0.40, 0.40, 0.44)
RULE = (0.78, 0.78, 0.80)
SHADE = (0.93, 0.94, 0.95)


@lru_cache(maxsize=32)
def _image(path: str, modified: float) -> ImageReader:
    return ImageReader(path)


class Painter:
    def __init__(self, canvas: Canvas, typesetter: Typesetter) -> None:
        self.canvas = canvas
        self.type = typesetter
        self.rtl = typesetter.right_to_left
        self._text = None
        self._font: tuple[str, float] | None = None

    # pages ------------------------------------------------------------------------------
    # All text of a page goes into one PDF text object, written when the page ends: far
    # cheaper than one object per string, and it always lies above shading and rules.
    def _text_object(self):
        if self._text is None:
            self._text = self.canvas.beginText()
            self._font = None
        return self._text

    def end_page(self) -> None:
        if self._text is not None:
            self.canvas.drawText(self._text)
            self._text = None
        self.canvas.showPage()

    # geometry -------------------------------------------------------------------------
    def left(self, start: float, width: float) -> float:
        """Physical x of the left edge of a box ``start`` points from the reading start."""
        if self.rtl:
            return PAGE_WIDTH - MARGIN_X - start - width
        return MARGIN_X + start

    def physical_align(self, align: str) -> str:
        if align == "start":
            return "right" if self.rtl else "left"
        if align == "end":
            return "left" if self.rtl else "right"
        return align

    @staticmethod
    def leading(size: float) -> float:
        return size * LEADING

    # text -----------------------------------------------------------------------------
    def draw_line(
        self, line: TextLine, left: float, width: float, baseline: float, align: str
    ) -> None:
        align = self.physical_align(align)
        if align == "right":
            x = left + width - line.width
        elif align == "center":
            x = left + (width - line.width) / 2
        else:
            x = left
        text = self._text_object()
        text.setTextOrigin(x, baseline)
        for run in line.runs:
            font = (run.font, line.size)
            if font != self._font:
                text.setFont(run.font, line.size)
                self._font = font
            text.textOut(run.text)

    def lines(
        self,
        lines: list[TextLine],
        start: float,
        width: float,
        top: float,
        *,
        align: str = "start",
        color: tuple[float, float, float] = INK,
        dry: bool = False,
    ) -> float:
        if not lines:
            return 0.0
        size = lines[0].size
        step = self.leading(size)
        if not dry:
            self._text_object().setFillColorRGB(*color)
            left = self.left(start, width)
            for index, line in enumerate(lines):
                self.draw_line(line, left, width, top - index * step - ASCENT * size, align)
        return step * len(lines)

    def paragraph(
        self,
        text: str,
        start: float,
        width: float,
        top: float,
        size: float,
        *,
        bold: bool = False,
        align: str = "start",
        color: tuple[float, float, float] = INK,
        dry: bool = False,
    ) -> float:
        """Wrapped text; returns the height used."""
        if not text:
            return 0.0
        wrapped = self.type.wrap(text, width, size, bold)
        return self.lines(wrapped, start, width, top, align=align, color=color, dry=dry)

    # shapes ---------------------------------------------------------------------------
    def rule(self, start: float, width: float, y: float, *, weight: float = 0.5) -> None:
        canvas = self.canvas
        canvas.setStrokeColorRGB(*RULE)
        canvas.setLineWidth(weight)
        left = self.left(start, width)
        canvas.line(left, y, left + width, y)

    def shade(
        self,
        start: float,
        width: float,
        top: float,
        height: float,
        *,
        fill: tuple[float, float, float] = SHADE,
        stroke: bool = False,
    ) -> None:
        canvas = self.canvas
        canvas.setFillColorRGB(*fill)
        if stroke:
            canvas.setStrokeColorRGB(*RULE)
            canvas.setLineWidth(0.6)
        canvas.rect(
            self.left(start, width), top - height, width, height, fill=1, stroke=int(stroke)
        )

    def box(self, start: float, width: float, top: float, height: float) -> None:
        canvas = self.canvas
        canvas.setStrokeColorRGB(*RULE)
        canvas.setLineWidth(0.6)
        canvas.roundRect(self.left(start, width), top - height, width, height, 3, fill=0)

    def image(self, path: str, start: float, width: float, top: float, height: float) -> bool:
        """Logo fitted in the box, anchored at the reading start; False if unreadable."""
        import os

        try:
            reader = _image(path, os.path.getmtime(path))
            image_width, image_height = reader.getSize()
        except (OSError, ValueError):
            return False
        scale = min(width / image_width, height / image_height)
        drawn_width, drawn_height = image_width * scale, image_height * scale
        left = self.left(start, width)
        if self.rtl:
            left += width - drawn_width
        self.canvas.drawImage(
            reader, left, top - drawn_height, drawn_width, drawn_height, mask="auto"
        )
        return True
