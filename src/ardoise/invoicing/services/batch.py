"""Batch issue in two phases, and the archiving of PDFs that the second phase shares with
on-demand readers and `ardoise archive-pdfs`.

Phase 1, per chunk and in one transaction: lock the chunk's documents (one query, id order),
check each one exactly as `issue_invoice` does, take the numbers of the accepted ones in one
step per (company, kind, year, date) run, write them with one UPDATE and their audit events
with one INSERT. A refused document takes no number and is listed in `failures`.

Phase 2, per committed chunk: render the PDFs (on the machine's cores when it pays), store
the files, then set `pdf` and `pdf_sha256` and write one "invoice.archive" audit event per
document, in a short transaction. Rendering is pure and deterministic, so the PDF of an
issued document is the same whenever it is made: a document left without one (a crash
between the phases) is archived by its first reader or by `ardoise archive-pdfs`.

Lock order is the one of `issuing`: documents, credited invoices, sequence counters, audit
chain heads.
"""

from __future__ import annotations

import datetime
import multiprocessing
import os
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections, transaction
from django.db.models import Field, Prefetch
from django.utils import timezone

from ardoise.audit.services import record_many
from ardoise.core.errors import BusinessError, FieldError, InvalidInput
from ardoise.core.roles import Action
from ardoise.core.sequences import lock_counters, take_next_numbers
from ardoise.core.tenancy import require
from ardoise.core.validators import format_number
from ardoise.ledger.services import lock_customers
from ardoise.parties.services import customer_snapshot

from .. import documents
from ..models import Invoice, InvoiceLine, Status
from .drafts import check_credit_limit, invoice_snapshot
from .issuing import (
    _check_totals,
    _compliance,
    _due,
    _issue_date,
    _mentions,
    _pattern,
    _refuse_state,
    _words,
)
from .posting import post_issued

ISSUE_CHUNK_SIZE = 500
# Below this many documents a process pool costs more (fork, fonts) than it saves.
POOL_MINIMUM = 64
ISSUED_FIELDS = [
    "number",
    "sequence_year",
    "sequence_number",
    "issue_date",
    "due_date",
    "seller_snapshot",
    "buyer_snapshot",
    "legal_mentions",
    "status",
    "issued_at",
    "issued_by",
    "updated_at",
]


@dataclass
class BatchStats:
    """Timings of a batch, for the benchmark: seconds spent numbering and committing
    (phase 1) and in all (with the PDFs archived)."""

    issued: int = 0
    numbering_seconds: float = 0.0
    total_seconds: float = 0.0


@dataclass
class _Accepted:
    position: int
    invoice: Invoice
    lines: list
    before: dict
    date: datetime.date
    due: datetime.date
    seller: dict
    buyer: dict
    mentions: list


@dataclass
class _Chunk:
    """What phase 1 knows while it checks one chunk; snapshots are computed once each."""

    actor: object
    issue_date: object
    sellers: dict = field(default_factory=dict)
    buyers: dict = field(default_factory=dict)
    refused: list = field(default_factory=list)

    def seller(self, invoice: Invoice) -> dict:
        if invoice.company_id not in self.sellers:
            self.sellers[invoice.company_id] = documents.seller_snapshot(invoice.company)
        return self.sellers[invoice.company_id]

    def buyer(self, invoice: Invoice) -> dict:
        if invoice.customer_id not in self.buyers:
            self.buyers[invoice.customer_id] = customer_snapshot(invoice.customer)
        return self.buyers[invoice.customer_id]


# ----------------------------------------------------------------------------- phase 1


def _lock_chunk(chunk: list[Invoice]) -> dict[int, Invoice]:
    lines = Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "id"))
    locked = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("company", "customer", "credited_invoice")
        .prefetch_related(lines)
        .filter(pk__in={invoice.pk for invoice in chunk})
        .order_by("id")
    )
    found = {invoice.pk: invoice for invoice in locked}
    missing = [invoice.pk for invoice in chunk if invoice.pk not in found]
    if missing:
        raise Invoice.DoesNotExist(f"No invoice with id {missing[0]}.")
    credited = sorted({i.credited_invoice_id for i in found.values() if i.credited_invoice_id})
    if credited:
        list(Invoice.objects.select_for_update().filter(pk__in=credited).order_by("id"))
    return found


def _lock_counters_and_accounts(invoices: list[Invoice], issue_date) -> None:
    """The sequence counters and customer accounts the chunk will use, locked up front in
    the order of a single issue (documents, counters, customers, then the audit head when
    the first event is written), however many runs, segments and companies the chunk holds.
    A document whose date is refused takes no counter: it is refused later with its error."""
    keys = set()
    for invoice in invoices:
        try:
            keys.add((invoice.company, invoice.kind, _issue_date(invoice, issue_date).year))
        except BusinessError:
            continue
    lock_counters(keys)
    lock_customers(invoice.customer_id for invoice in invoices)


def _check(position: int, invoice: Invoice, state: _Chunk) -> _Accepted:
    """Every check of `issue_invoice`, in memory but for the credit limit (credit notes)."""
    _refuse_state(invoice)
    lines = list(invoice.lines.all())
    _check_totals(invoice, lines)
    before = invoice_snapshot(invoice, lines)
    if invoice.credited_invoice is not None:
        errors: list[FieldError] = []
        check_credit_limit(invoice.credited_invoice, invoice.total, errors, excluding=invoice.pk)
        if errors:
            raise InvalidInput(errors)
    seller, buyer = state.seller(invoice), state.buyer(invoice)
    _compliance(seller, buyer, lines)
    date = _issue_date(invoice, state.issue_date)
    due = _due(invoice, buyer, date)
    mentions = _mentions(invoice, seller, buyer, lines, date, due)
    return _Accepted(position, invoice, lines, before, date, due, seller, buyer, mentions)


def _segments(positions: list[tuple[int, Invoice]]):
    """Split a chunk where a document must see the one before it already issued: the same
    document twice, or a second credit note on the same invoice (its credit limit)."""
    segment: list[tuple[int, Invoice]] = []
    seen: set[tuple[str, int]] = set()
    for position, invoice in positions:
        keys = {("doc", invoice.pk)}
        if invoice.credited_invoice_id:
            keys.add(("credited", invoice.credited_invoice_id))
        if keys & seen:
            yield segment
            segment, seen = [], set()
        segment.append((position, invoice))
        seen |= keys
    if segment:
        yield segment


def _refuse(state: _Chunk, position: int, invoice: Invoice, error: BusinessError, failures):
    if failures is None:
        raise error
    state.refused.append((position, invoice, error))


def _number_runs(accepted: list[_Accepted], state: _Chunk, failures) -> list[_Accepted]:
    """Take the numbers: one call per run of documents of the same sequence and date, in the
    order given, so the date-order rule is checked exactly as one issue after the other."""
    runs: list[list[_Accepted]] = []
    for item in accepted:
        key = (item.invoice.company_id, item.invoice.kind, item.date)
        previous = runs[-1][0] if runs else None
        if previous and (previous.invoice.company_id, previous.invoice.kind, previous.date) == key:
            runs[-1].append(item)
        else:
            runs.append([item])
    numbered: list[_Accepted] = []
    for run in runs:
        first = run[0].invoice
        try:
            numbers = take_next_numbers(first.company, first.kind, run[0].date, len(run))
        except BusinessError as error:
            for item in run:
                _refuse(state, item.position, item.invoice, error, failures)
            continue
        pattern = _pattern(first.company, first.kind)
        for item, sequence in zip(run, numbers, strict=True):
            invoice = item.invoice
            invoice.number = format_number(pattern, year=item.date.year, seq=sequence)
            invoice.sequence_year = item.date.year
            invoice.sequence_number = sequence
            numbered.append(item)
    numbered.sort(key=lambda item: item.position)
    return numbered


def _write_issued(numbered: list[_Accepted], actor) -> None:
    now = timezone.now()
    for item in numbered:
        invoice = item.invoice
        invoice.issue_date = item.date
        invoice.due_date = item.due
        invoice.seller_snapshot = item.seller
        invoice.buyer_snapshot = item.buyer
        invoice.legal_mentions = item.mentions
        invoice.status = Status.ISSUED
        invoice.issued_at = now
        invoice.issued_by = actor
        invoice.updated_at = now
    # Invoice.save() is skipped; the WHERE keeps its guard: only documents not issued yet
    # are written here, and all of them must be.
    _update_rows([item.invoice for item in numbered], ISSUED_FIELDS, "status <> 'issued'")
    for company_id in sorted({item.invoice.company_id for item in numbered}):
        post_issued(
            [item.invoice for item in numbered if item.invoice.company_id == company_id],
            actor=actor,
        )
    record_many(
        [
            {
                "actor": actor,
                "action": "invoice.issue",
                "obj": item.invoice,
                "before": item.before,
                "after": invoice_snapshot(item.invoice, item.lines),
            }
            for item in numbered
        ]
    )


def _update_rows(rows: list[Invoice], names: list[str], guard: str) -> None:
    """One UPDATE per row sent in one batch (executemany): `bulk_update`'s CASE WHEN over
    hundreds of rows costs more than all the rest of phase 1. `guard` is a constant SQL
    condition every row must meet, else the transaction is rolled back."""
    connection = connections[Invoice.objects.db]
    # Concrete columns of the invoice row, never relations seen from the other side.
    fields = [cast("Field[Any, Any]", Invoice._meta.get_field(name)) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(cast(str, f.column))} = %s" for f in fields)
    sql = (
        f"UPDATE {quote(Invoice._meta.db_table)} SET {assignments} "  # noqa: S608 - our names
        f"WHERE {quote('id')} = %s AND {guard}"
    )
    params = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
        updated = cursor.rowcount
    if updated != len(rows):
        raise RuntimeError(f"batch: {len(rows) - updated} document(s) changed under their lock")


def _issue_segment(segment, state: _Chunk, failures) -> list[_Accepted]:
    accepted = []
    for position, invoice in segment:
        try:
            accepted.append(_check(position, invoice, state))
        except BusinessError as error:
            _refuse(state, position, invoice, error, failures)
    numbered = _number_runs(accepted, state, failures)
    if numbered:
        _write_issued(numbered, state.actor)
    return numbered


def _issue_chunk(chunk: list[Invoice], *, actor, issue_date, failures) -> list[Invoice]:
    for company_id in sorted({invoice.company_id for invoice in chunk}):
        require(actor, company_id, Action.ISSUE_INVOICES)
    state = _Chunk(actor=actor, issue_date=issue_date)
    with transaction.atomic():
        found = _lock_chunk(chunk)
        _lock_counters_and_accounts(list(found.values()), issue_date)
        positions = [(n, found[invoice.pk]) for n, invoice in enumerate(chunk)]
        issued: list[_Accepted] = []
        for segment in _segments(positions):
            issued += _issue_segment(segment, state, failures)
    if failures is not None:
        state.refused.sort(key=lambda refusal: refusal[0])
        failures.extend((chunk[position], error) for position, _i, error in state.refused)
    issued.sort(key=lambda item: item.position)
    for item in issued:
        item.invoice._archive_lines = item.lines
    return [item.invoice for item in issued]


# ----------------------------------------------------------------------------- phase 2


def _render(document) -> tuple[bytes, str]:
    return documents.render(document)


def _lines_of(invoice: Invoice) -> list:
    lines = getattr(invoice, "_archive_lines", None)
    return lines if lines is not None else list(invoice.lines.all())


def _start_rendering(
    invoices: list[Invoice], pool: ProcessPoolExecutor | None
) -> Iterable[tuple[bytes, str]]:
    """Documents are built here (the database is read in this process only); the workers get
    plain frozen data and give back bytes."""
    jobs = [
        documents.issued_pdf_document(invoice, _lines_of(invoice), _words(invoice))
        for invoice in invoices
    ]
    if pool is None:
        return [_render(job) for job in jobs]
    workers = getattr(pool, "_max_workers", 1)
    return pool.map(_render, jobs, chunksize=max(1, len(jobs) // (workers * 4)))


def _store_archives(invoices: list[Invoice], rendered, actor) -> None:
    """Write the files, then the rows and audit events; a document archived meanwhile by
    someone else (on demand) keeps theirs, identical by construction, and ours is removed."""
    written: dict[int, tuple[str, str]] = {}
    try:
        for invoice, (content, digest) in zip(invoices, rendered, strict=True):
            name = invoice.pdf.field.generate_filename(invoice, documents.archive_filename(invoice))
            written[invoice.pk] = (default_storage.save(name, ContentFile(content)), digest)
        with transaction.atomic():
            missing = set(
                Invoice.objects.select_for_update()
                .filter(pk__in=written, status=Status.ISSUED, pdf_sha256="")
                .values_list("pk", flat=True)
            )
            mine = [invoice for invoice in invoices if invoice.pk in missing]
            for invoice in mine:
                invoice.pdf.name, invoice.pdf_sha256 = written[invoice.pk]
            if mine:  # an archive is written once, never replaced
                _update_rows(mine, ["pdf", "pdf_sha256"], "status = 'issued' AND pdf_sha256 = ''")
                record_many([_archive_event(invoice, actor) for invoice in mine])
    except BaseException:
        for name, _digest in written.values():
            default_storage.delete(name)
        raise
    for invoice in invoices:
        if invoice.pk not in missing:
            default_storage.delete(written[invoice.pk][0])
            invoice.refresh_from_db(fields=["pdf", "pdf_sha256"])


def _archive_event(invoice: Invoice, actor) -> dict:
    return {
        "actor": actor,
        "action": "invoice.archive",
        "obj": invoice,
        "before": {"pdf": "", "pdf_sha256": ""},
        "after": {"pdf": invoice.pdf.name, "pdf_sha256": invoice.pdf_sha256},
    }


def _pool(count: int, workers: int | None) -> ProcessPoolExecutor | None:
    """Worker processes forked now, before this process holds a database connection again:
    a child must never share one. None when rendering here is as good."""
    if workers is None:
        workers = os.cpu_count() or 1
    if workers < 2 or count < POOL_MINIMUM:
        return None
    if any(connection.in_atomic_block for connection in connections.all(initialized_only=True)):
        return None  # inside a caller's transaction: the connection cannot be closed
    connections.close_all()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    pool.submit(int).result()  # with fork, the first submit starts every worker
    return pool


def archive_pdfs(invoices: Iterable[Invoice], *, actor, workers: int | None = 1) -> int:
    """Render and archive the PDF of issued documents that have none; returns how many were
    archived by this call."""
    invoices = [invoice for invoice in invoices if invoice.is_issued and not invoice.pdf_sha256]
    pool = _pool(len(invoices), workers)
    try:
        _store_archives(invoices, list(_start_rendering(invoices, pool)), actor)
    finally:
        if pool is not None:
            pool.shutdown()
    return sum(1 for invoice in invoices if invoice.pdf_sha256)


def ensure_pdf(invoice: Invoice, *, actor) -> Invoice:
    """An issued document with its archived PDF, archived now if it has none yet."""
    if invoice.is_issued and not invoice.pdf_sha256:
        fresh = Invoice.objects.select_related("credited_invoice").get(pk=invoice.pk)
        archive_pdfs([fresh], actor=actor)
        invoice.pdf, invoice.pdf_sha256 = fresh.pdf.name, fresh.pdf_sha256
    return invoice


def missing_pdfs(chunk_size: int = ISSUE_CHUNK_SIZE):
    """Issued documents still without their PDF, in chunks (for `archive-pdfs`)."""
    queryset = (
        Invoice.objects.filter(status=Status.ISSUED, pdf_sha256="")
        .select_related("credited_invoice")
        .prefetch_related(
            Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "id"))
        )
        .order_by("id")
    )
    last = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last)[:chunk_size])
        if not chunk:
            return
        last = chunk[-1].pk
        yield chunk


# ----------------------------------------------------------------------------- the action


def issue_many(
    invoices: Iterable[Invoice],
    *,
    actor,
    issue_date=None,
    chunk_size: int = ISSUE_CHUNK_SIZE,
    failures: list[tuple[Invoice, BusinessError]] | None = None,
    workers: int | None = None,
    stats: BatchStats | None = None,
) -> list[Invoice]:
    """Issue documents in chunks, one transaction per chunk, in the order given; then archive
    their PDFs (see the module's docstring).

    The sequence rows stay locked for the whole chunk, so a chunk's numbers are consecutive;
    chunks are kept small so that other clerks wait at most one chunk. When `failures` is
    given, a document refused by a business rule takes no number and is listed there;
    otherwise the first refusal rolls back its chunk and is raised, the chunks before it
    staying issued (their PDFs archived).
    """
    started = time.perf_counter()
    stats = stats if stats is not None else BatchStats()
    invoices = list(invoices)
    pool = _pool(len(invoices), workers)
    issued: list[Invoice] = []
    pending: tuple[list[Invoice], Iterable[tuple[bytes, str]]] | None = None
    try:
        for start in range(0, len(invoices), chunk_size):
            phase_1 = time.perf_counter()
            try:
                done = _issue_chunk(
                    invoices[start : start + chunk_size],
                    actor=actor,
                    issue_date=issue_date,
                    failures=failures,
                )
            except BaseException:
                if pending is not None:  # the chunks before stay issued: archive them
                    _store_archives(pending[0], list(pending[1]), actor)
                raise
            stats.numbering_seconds += time.perf_counter() - phase_1
            issued += done
            # The workers render this chunk while the next one is numbered.
            rendering = (done, _start_rendering(done, pool)) if done else None
            if pending is not None:
                _store_archives(pending[0], list(pending[1]), actor)
            pending = rendering
        if pending is not None:
            _store_archives(pending[0], list(pending[1]), actor)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        for invoice in issued:
            invoice.__dict__.pop("_archive_lines", None)
    stats.issued += len(issued)
    stats.total_seconds += time.perf_counter() - started
    return issued


__all__ = ["BatchStats", "archive_pdfs", "ensure_pdf", "issue_many", "missing_pdfs"]
