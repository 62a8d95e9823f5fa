"""Typesetting of single lines: Arabic shaping, bidirectional reordering, font runs, wrapping.

reportlab draws glyphs left to right and does no shaping. So a string holding right-to-left
script is (1) shaped with arabic-reshaper (letters become their joined presentation forms),
(2) cut into lines in logical order, and (3) each line reordered for display with python-bidi.
The visual line is then split into runs: Arabic script in Noto Sans Arabic, the rest (Latin,
digits, symbols such as the narrow no-break space Babel puts in French numbers) in DejaVu Sans.

Values interpolated into a sentence are wrapped in Unicode isolates (``isolate``) so that a
phone number, IBAN or amount keeps its own order inside an Arabic sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import arabic_reshaper
from bidi import get_display
from reportlab.pdfbase.pdfmetrics import stringWidth

from .fonts import FontSet, register_fonts

FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"
_BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
_RTL_RANGES = (
    (0x0590, 0x08FF),  # Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Arabic Extended
    (0xFB1D, 0xFDFF),  # Hebrew and Arabic presentation forms A
    (0xFE70, 0xFEFF),  # Arabic presentation forms B
)
_ARABIC_SCRIPT_RANGES = ((0x0600, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFE))


def isolate(value: str) -> str:
    """Keep ``value`` in its own direction inside a sentence of the other direction."""
    return f"{FIRST_STRONG_ISOLATE}{value}{POP_DIRECTIONAL_ISOLATE}" if value else ""


def has_right_to_left(text: str) -> bool:
    return any(low <= ord(char) <= high for char in text for low, high in _RTL_RANGES)


def _is_arabic_script(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _ARABIC_SCRIPT_RANGES)


@dataclass(frozen=True, slots=True)
class Run:
    font: str
    text: str
    width: float


@dataclass(frozen=True, slots=True)
class TextLine:
    """One line in visual (left-to-right drawing) order, at a given size."""

    runs: tuple[Run, ...]
    width: float
    size: float


def _split_runs(text: str, fonts: FontSet, bold: bool) -> list[tuple[str, str]]:
    """Cut visual text into (font, text) runs; spaces stay with the run they are in."""
    latin, arabic = fonts.latin_font(bold), fonts.arabic_font(bold)
    runs: list[tuple[str, str]] = []
    current_font, start = None, 0
    for index, char in enumerate(text):
        if char == " ":
            continue
        font = arabic if _is_arabic_script(char) else latin
        if font != current_font:
            if current_font is not None:
                runs.append((current_font, text[start:index]))
                start = index
            current_font = font
    if text:
        runs.append((current_font or latin, text[start:]))
    return runs


@lru_cache(maxsize=16384)
def _measure(text: str, size: float, bold: bool) -> float:
    """Width of a logical string (order does not change a width; bidi controls have none)."""
    fonts = register_fonts()
    plain = text.translate(_BIDI_CONTROLS)
    return sum(stringWidth(part, font, size) for font, part in _split_runs(plain, fonts, bold))


@lru_cache(maxsize=8192)
def _visual_line(logical: str, size: float, bold: bool, base_rtl: bool) -> TextLine:
    fonts = register_fonts()
    if has_right_to_left(logical):
        visual = get_display(logical, base_dir="R" if base_rtl else None)
    else:
        visual = logical
    visual = visual.translate(_BIDI_CONTROLS)
    runs = tuple(
        Run(font, part, stringWidth(part, font, size))
        for font, part in _split_runs(visual, fonts, bold)
    )
    return TextLine(runs, sum(run.width for run in runs), size)


@lru_cache(maxsize=8192)
def _shape(text: str) -> str:
    return arabic_reshaper.reshape(text) if has_right_to_left(text) else text


class Typesetter:
    """Turns logical strings into drawable visual lines for one document direction."""

    def __init__(self, *, right_to_left: bool) -> None:
        self.right_to_left = right_to_left

    def width(self, text: str, size: float, bold: bool = False) -> float:
        return _measure(_shape(text), size, bold)

    def line(self, text: str, size: float, bold: bool = False) -> TextLine:
        """A single line, never wrapped (labels, numbers)."""
        return _visual_line(_shape(text), size, bold, self.right_to_left)

    def wrap(self, text: str, width: float, size: float, bold: bool = False) -> list[TextLine]:
        """Greedy word wrap; explicit newlines are kept; a word wider than the box is cut."""
        lines: list[TextLine] = []
        for paragraph in _shape(text).splitlines() or [""]:
            for logical in self._wrap_paragraph(paragraph, width, size, bold):
                lines.append(_visual_line(logical, size, bold, self.right_to_left))
        return lines

    def _wrap_paragraph(self, paragraph: str, width: float, size: float, bold: bool) -> list[str]:
        words = paragraph.split()
        if not words:
            return [""]
        lines: list[str] = []
        current = ""
        for word in words:
            candidate = f"{current} {word}" if current else word
            if self._fits(candidate, width, size, bold):
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            for piece in self._cut_word(word, width, size, bold):
                if current:
                    lines.append(current)
                current = piece
        if current:
            lines.append(current)
        return lines

    def _fits(self, text: str, width: float, size: float, bold: bool) -> bool:
        # The tolerance absorbs float noise from (width + padding) - padding.
        return _measure(text, size, bold) <= width + 0.01

    def _cut_word(self, word: str, width: float, size: float, bold: bool) -> list[str]:
        if self._fits(word, width, size, bold):
            return [word]
        pieces, current = [], ""
        for char in word:
            if current and not self._fits(current + char, width, size, bold):
                pieces.append(current)
                current = ""
            current += char
        if current:
            pieces.append(current)
        return pieces
