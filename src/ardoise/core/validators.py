"""Validators for company configuration (number patterns, IBAN/BIC)."""

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException


def format_number(pattern: str, *, year: int, seq: int) -> str:
    return pattern.format(year=year, seq=seq, yy=year % 100)


def validate_number_pattern(pattern: str) -> None:
    """A number pattern must contain {seq} and format cleanly, e.g. `FA-{year}-{seq:06d}`."""
    if "{seq" not in pattern:
        raise ValueError("the pattern must contain {seq}, e.g. FA-{year}-{seq:06d}")
    try:
        format_number(pattern, year=2026, seq=1)
    except (KeyError, ValueError, IndexError) as error:
        raise ValueError(f"the pattern {pattern!r} cannot be formatted: {error}") from error


def normalize_iban(value: str) -> str:
    try:
        return IBAN(value).compact
    except SchwiftyException as error:
        raise ValueError(f"invalid IBAN: {error}") from error


def normalize_bic(value: str) -> str:
    try:
        return str(BIC(value))
    except SchwiftyException as error:
        raise ValueError(f"invalid BIC: {error}") from error
