"""TrueType fonts for invoice PDFs, found in Debian's font packages and registered once.

DejaVu Sans prints Latin (and most symbols); Noto Sans Arabic prints Arabic script, including
the presentation forms produced by arabic-reshaper. Both are embedded as subsets by
reportlab, so a PDF reads the same on any machine. Fonts are never committed to the repository.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

DEBIAN_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/noto")

# registered name -> (file name, Debian package that ships it)
FONT_FILES: dict[str, tuple[str, str]] = {
    "ArdoiseLatin": ("DejaVuSans.ttf", "fonts-dejavu-core"),
    "ArdoiseLatin-Bold": ("DejaVuSans-Bold.ttf", "fonts-dejavu-core"),
    "ArdoiseArabic": ("NotoSansArabic-Regular.ttf", "fonts-noto-core"),
    "ArdoiseArabic-Bold": ("NotoSansArabic-Bold.ttf", "fonts-noto-core"),
}


class FontNotFoundError(RuntimeError):
    """A font file the PDF engine needs is not installed."""


@dataclass(frozen=True, slots=True)
class FontSet:
    latin: str
    latin_bold: str
    arabic: str
    arabic_bold: str

    def latin_font(self, bold: bool) -> str:
        return self.latin_bold if bold else self.latin

    def arabic_font(self, bold: bool) -> str:
        return self.arabic_bold if bold else self.arabic


_lock = threading.Lock()
_registered: FontSet | None = None


def font_dirs() -> list[Path]:
    """Directories searched for fonts: settings.ARDOISE_FONT_DIRS, or Debian's without Django."""
    try:
        from django.conf import settings

        configured = list(getattr(settings, "ARDOISE_FONT_DIRS", ()) or ())
    except Exception:  # Django absent or not configured: the renderer also runs standalone.
        configured = []
    return [Path(directory) for directory in (configured or DEBIAN_FONT_DIRS)]


def find_font(file_name: str, package: str, directories: list[Path] | None = None) -> Path:
    searched = directories if directories is not None else font_dirs()
    for directory in searched:
        candidate = directory / file_name
        if candidate.is_file():
            return candidate
    for directory in searched:  # fonts-noto-core nests nothing, but other layouts may
        if directory.is_dir():
            for candidate in sorted(directory.rglob(file_name)):
                return candidate
    raise FontNotFoundError(
        f"font {file_name} not found in {', '.join(str(d) for d in searched)}; "
        f"install the Debian package {package} (apt-get install {package}) "
        "or point ARDOISE_FONT_DIRS at a directory that holds it"
    )


def register_fonts() -> FontSet:
    """Register the PDF fonts with reportlab once per process and return their names."""
    global _registered
    if _registered is not None:
        return _registered
    with _lock:
        if _registered is None:
            directories = font_dirs()
            for name, (file_name, package) in FONT_FILES.items():
                path = find_font(file_name, package, directories)
                pdfmetrics.registerFont(TTFont(name, str(path)))
            _registered = FontSet(
                "ArdoiseLatin", "ArdoiseLatin-Bold", "ArdoiseArabic", "ArdoiseArabic-Bold"
            )
    return _registered
