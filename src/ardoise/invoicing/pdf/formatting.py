"""Numbers, amounts, rates and dates as the document's language writes them (Babel/CLDR).

Numbers, amounts and rates come from core.formatting, shared with the staff pages' ``money``
template filters; dates, country names and IBAN grouping are the documents' own.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as babel_format_date

# The number helpers live in core so the staff pages format money the same way.
from ardoise.core.formatting import (
    NUMBERING_SYSTEM,
    format_amount,
    format_money,
    format_quantity,
    format_rate,
    format_unit_price,
)

__all__ = [
    "NUMBERING_SYSTEM",
    "country_name",
    "format_amount",
    "format_date",
    "format_money",
    "format_quantity",
    "format_rate",
    "format_unit_price",
    "group_iban",
]


def format_date(value: datetime.date | None, language: str) -> str:
    if value is None:
        return ""
    return babel_format_date(value, format="long", locale=language)


@lru_cache(maxsize=512)
def country_name(code: str, language: str) -> str:
    if not code:
        return ""
    return Locale.parse(language).territories.get(code.upper(), code)


def group_iban(iban: str) -> str:
    """IBAN in groups of four, the way banks print it."""
    compact = "".join(iban.split()).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
