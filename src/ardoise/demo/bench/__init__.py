"""`make bench`: measure issuing and PDF rendering on SQLite and PostgreSQL, write BENCHMARKS.md.

Each database runs in its own child process (its own Django settings) on a database made for
the run: var/bench.sqlite3 and the PostgreSQL database `ardoise_bench`, both recreated.
Figures are medians of repeated runs where a run is short, wall-clock rates where it is long.
"""

from .common import PG_URL, ROOT, VAR, machine
from .issuing import measure_pdf, run_backend
from .markdown import render_markdown, render_receivables, targets
from .receivables import (
    LARGE_ITEMS,
    PAYMENTS_BATCH,
    RECEIVABLES_CUSTOMERS,
    RECEIVABLES_ITEMS,
    SINGLE_PAYMENTS,
    _clone_customers,
    _payment,
    _seed_items,
    run_receivables,
)
from .runner import child, main, spawn

__all__ = [
    "LARGE_ITEMS",
    "PAYMENTS_BATCH",
    "PG_URL",
    "RECEIVABLES_CUSTOMERS",
    "RECEIVABLES_ITEMS",
    "ROOT",
    "SINGLE_PAYMENTS",
    "VAR",
    "_clone_customers",
    "_payment",
    "_seed_items",
    "child",
    "machine",
    "main",
    "measure_pdf",
    "render_markdown",
    "render_receivables",
    "run_backend",
    "run_receivables",
    "spawn",
    "targets",
]
