"""Helpers shared by the domains' API routes: cursor pagination and decimal parsing.

They live in core because domain `api.py` modules may not import the `ardoise.api` package
that assembles them."""

import base64
import binascii
from decimal import Decimal

from django.db import models

from .errors import InvalidInput

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        kind, _, value = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        if kind != "id":
            raise ValueError(kind)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise InvalidInput.single("cursor", "invalid", "The cursor is not valid.") from error


def paginate(queryset: models.QuerySet, cursor: str | None, limit: int | None):
    """Newest first, keyset on id. Returns (rows, next_cursor or None)."""
    limit = min(max(int(limit or DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE)
    queryset = queryset.order_by("-id")
    if cursor:
        queryset = queryset.filter(id__lt=decode_cursor(cursor))
    rows = list(queryset[: limit + 1])
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


def decimal_str(value: Decimal | None) -> str | None:
    """Amounts travel as strings so that no client parses them as binary floats."""
    return None if value is None else format(value, "f")
