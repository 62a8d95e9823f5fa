"""The BENCHMARKS.md section of a run: tables per database and the targets checked."""

from .receivables import (
    LARGE_ITEMS,
    PAYMENTS_BATCH,
    PAYMENTS_FALLBACK,
    PAYMENTS_MAX_SECONDS,
    RECEIVABLES_CUSTOMERS,
    RECEIVABLES_ITEMS,
    SEED_BATCH,
    STATEMENT_MOVEMENTS,
)


def render_markdown(when: str, sizes: dict, pdf: dict, backends: dict) -> str:
    rows = [
        "| measure | " + " | ".join(backends) + " |",
        "| --- | " + " | ".join("---" for _ in backends) + " |",
    ]

    def row(label, pick):
        rows.append(
            f"| {label} | "
            + " | ".join(pick(r) if r else "failed" for r in backends.values())
            + " |"
        )

    row(
        "drafts created /s (3 lines, via create_draft)",
        lambda r: str(r["drafts_created_per_second"]),
    )
    row(
        f"single issue /s ({sizes['singles']} invoices, one transaction each)",
        lambda r: str(r["single_issue"]["per_second"]),
    )
    row(
        f"batch issue, numbered and committed /s ({sizes['invoices']} drafts, phase 1)",
        lambda r: (
            f"{r['batch_issue']['numbered_per_second']} ({r['batch_issue']['numbering_seconds']} s)"
        ),
    )
    row(
        f"batch issue with archived PDFs /s ({sizes['invoices']} drafts, issue_many)",
        lambda r: f"{r['batch_issue']['per_second']} ({r['batch_issue']['seconds']} s)",
    )
    row("every PDF archived after the run", lambda r: "yes" if r["pdfs_archived"] else "NO")
    row("numbers gapless after the run", lambda r: "yes" if r["numbers_gapless"] else "NO")
    row("peak RSS of the issuing run (MB)", lambda r: str(r["peak_rss_mb"]))
    pdf_rows = "\n".join(
        f"| {name.replace('_', ' ')} | {v['median_ms']} ms | {v['per_second']} |"
        for name, v in pdf.items()
    )
    receivables = render_receivables(sizes, backends)
    return f"""## Run of {when}

Machine: {sizes["machine"]}.

### Issuing

{chr(10).join(rows)}

Every issued invoice gets its gapless number, snapshots, legal mentions, an audit record
and its archived PDF with SHA-256.

### PDF rendering (reportlab, fonts embedded; median of {sizes["pdf_repeat"]} renders, one core)

| document | median | PDFs/s |
| --- | --- | --- |
{pdf_rows}

{receivables}"""


def _rec(result: dict | None) -> dict | None:
    return result.get("receivables") if result else None


def render_receivables(sizes: dict, backends: dict) -> str:
    rows = [
        "| measure | " + " | ".join(backends) + " |",
        "| --- | " + " | ".join("---" for _ in backends) + " |",
    ]

    def row(label, pick):
        cells = []
        for result in backends.values():
            rec = _rec(result)
            try:
                cells.append(pick(rec) if rec else "failed")
            except KeyError:
                cells.append("not run")
        rows.append(f"| {label} | " + " | ".join(cells) + " |")

    def aged(key: str, label: str) -> None:
        row(
            f"aged balance over {label}: median of 3 (s)",
            lambda r: f"{r[key]['median_seconds']} ({r[key]['items']:,} items)",
        )
        row(
            f"aged balance over {label}: tracemalloc peak / process max RSS (MB)",
            lambda r: f"{r[key]['tracemalloc_peak_mb']} / {r[key]['peak_rss_mb']}",
        )

    row(
        f"seeding {RECEIVABLES_ITEMS:,} open invoices over {RECEIVABLES_CUSTOMERS:,} customers (s)",
        lambda r: str(r["seed_seconds"]),
    )
    row(
        "payments recorded and auto-allocated one by one /s (record_payment auto=True)",
        lambda r: (
            f"{r['payments']['per_second']} ({r['payments']['count']:,} in {r['payments']['seconds']} s)"
        ),
    )
    row(
        "allocations made one by one /s (same run)",
        lambda r: f"{r['payments']['allocations_per_second']} ({r['payments']['allocations']:,})",
    )
    row(
        f"payments recorded and auto-allocated in batches /s (record_payments, {PAYMENTS_BATCH:,} a transaction)",
        lambda r: (
            f"{r['payments_batch']['per_second']} ({r['payments_batch']['count']:,} in {r['payments_batch']['seconds']} s)"
        ),
    )
    row(
        "allocations made in batches /s (same run)",
        lambda r: (
            f"{r['payments_batch']['allocations_per_second']} ({r['payments_batch']['allocations']:,})"
        ),
    )
    row(
        f"one batch of {PAYMENTS_BATCH:,} payments: tracemalloc peak / process max RSS (MB)",
        lambda r: (
            f"{r['payments_batch']['tracemalloc_peak_mb']} / {r['payments_batch']['peak_rss_mb']}"
        ),
    )
    aged("aged_100k", f"{RECEIVABLES_ITEMS:,} invoices and the payments")
    row(
        f"statement PDFs /s ({STATEMENT_MOVEMENTS} movements, median of 50 renders)",
        lambda r: f"{r['statement_pdf']['per_second']} ({r['statement_pdf']['median_ms']} ms)",
    )
    row(
        f"seeding up to {LARGE_ITEMS:,} items, batches of {SEED_BATCH:,} (s)",
        lambda r: str(r["seed_large_seconds"]),
    )
    aged("aged_1m", f"{LARGE_ITEMS:,} items")
    cut = [
        name
        for name, result in backends.items()
        if (rec := _rec(result)) and rec["payments"]["cut"]
    ]
    note = ""
    if cut:
        note = (
            f"\n\nPayments one by one: {sizes['single_payments']:,} were asked for, but at the "
            f"rate of the first 500 they would have taken more than "
            f"{PAYMENTS_MAX_SECONDS // 60} minutes on {' and '.join(cut)}, so the rate there was "
            f"measured on {PAYMENTS_FALLBACK:,} payments."
        )
    return f"""### Receivables (issue 3)

A company of its own: {RECEIVABLES_ITEMS:,} open invoices (100-149 each, due over the last
six months) over {RECEIVABLES_CUSTOMERS:,} customers, then payments of 150.00, allocated
automatically (oldest due first: most settle one invoice and part of the next): first
{sizes["single_payments"]:,} one by one with `record_payment(..., auto=True)`, then
{sizes["payments"]:,} in batches of {PAYMENTS_BATCH:,} with `payments.batch.record_payments`
(one transaction a batch; the same rows, allocations and audit events as one by one). Then
the aged balance as of today (`ledger.queries.aged_balance`, all customers), the statement
PDF of a customer with {STATEMENT_MOVEMENTS} movements, and the aged balance again after more
items bring the company to {LARGE_ITEMS:,}. Synthetic load: the open items are inserted with
`bulk_create` directly (batches of {SEED_BATCH:,}), without validation nor audit records;
payments and allocations go through the real services (audited). Peak memory: the
tracemalloc peak of one more call (not timed), and the child process's maximum RSS so far.
The {LARGE_ITEMS:,}-item part runs on PostgreSQL only by default (`--large-on`): it keeps
`make bench` under about 20 minutes on this machine ("not run" on SQLite).

{chr(10).join(rows)}{note}
"""


def targets(backends: dict) -> str:
    """The receivables targets against this run's PostgreSQL figures."""
    rec = _rec(backends.get("PostgreSQL"))
    if not rec:
        return "PostgreSQL did not run, so the receivables targets are not checked.\n\n"
    batch = rec.get("payments_batch")
    single = rec["payments"]
    rate = batch["allocations_per_second"] if batch else single["allocations_per_second"]
    text = (
        "Targets set by the receivables issue, on PostgreSQL: 2,000 allocations/s, and an aged "
        f"balance of {LARGE_ITEMS:,} open items under 1 s. This run: {rate} allocations/s "
        + (f"in batches ({batch['per_second']} payments/s), " if batch else "")
        + ("met" if rate >= 2000 else "not met")
        + f"; one by one {single['allocations_per_second']} allocations/s "
        f"({single['per_second']} payments/s); "
    )
    if "aged_1m" in rec:
        seconds = rec["aged_1m"]["median_seconds"]
        text += f"the aged balance of {LARGE_ITEMS:,} items took {seconds} s, " + (
            "met." if seconds < 1 else "not met."
        )
    else:
        text += f"the aged balance of {LARGE_ITEMS:,} items was not run."
    return text + "\n\n"
