"""Running the bench: one child process per database (its own Django settings), the figures
gathered as JSON, then BENCHMARKS.md written (or, with --receivables-only, only printed)."""

import argparse
import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

from .common import PG_URL, ROOT, VAR, _recreate_postgres, machine
from .issuing import measure_pdf, run_backend
from .markdown import _rec, render_markdown, targets
from .receivables import SINGLE_PAYMENTS, run_receivables


def child(
    backend: str,
    invoices: int,
    singles: int,
    payments: int,
    large: bool,
    single_payments: int = SINGLE_PAYMENTS,
    receivables_only: bool = False,
) -> None:
    os.environ["ARDOISE_TESTING"] = "1"
    if receivables_only:
        import django
        from django.core.management import call_command
        from django.db import connection

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ardoise.settings")
        django.setup()
        call_command("migrate", verbosity=0)
        results: dict = {"vendor": connection.vendor}
    else:
        results = run_backend(invoices, singles)
    results["receivables"] = run_receivables(payments, large, single_payments)
    print("BENCH-RESULT " + json.dumps(results))


def spawn(
    backend: str,
    url: str,
    invoices: int,
    singles: int,
    payments: int,
    large: bool,
    single_payments: int = SINGLE_PAYMENTS,
    receivables_only: bool = False,
) -> dict | None:
    env = dict(
        os.environ,
        DATABASE_URL=url,
        ARDOISE_TESTING="1",
        ARDOISE_MEDIA_ROOT=str(VAR / f"bench-media-{backend}"),
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "ardoise.demo.bench",
            "--child",
            backend,
            "--invoices",
            str(invoices),
            "--singles",
            str(singles),
            "--payments",
            str(payments),
            "--single-payments",
            str(single_payments),
            *(() if large else ("--no-large",)),
            *(("--receivables-only",) if receivables_only else ()),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    for line in result.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            return json.loads(line.removeprefix("BENCH-RESULT "))
    print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
    return None


def receivables_only(args) -> None:
    """Only the receivables phase, on the databases asked; figures printed as JSON."""
    VAR.mkdir(exist_ok=True)
    databases = set(args.databases.split(","))
    large_on = set() if args.no_large else set(args.large_on.split(","))
    urls = {}
    if "sqlite" in databases:
        path = VAR / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        urls["sqlite"] = f"sqlite:///{path}"
    if "postgres" in databases and _recreate_postgres(PG_URL):
        urls["postgres"] = PG_URL
    for backend, url in urls.items():
        result = spawn(
            backend,
            url,
            0,
            0,
            args.payments,
            backend in large_on,
            args.single_payments,
            receivables_only=True,
        )
        print(backend, json.dumps(_rec(result), indent=2))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--singles", type=int, default=500)
    parser.add_argument("--pdf-repeat", type=int, default=200)
    parser.add_argument("--payments", type=int, default=50_000, help="payments recorded in batches")
    parser.add_argument(
        "--single-payments",
        type=int,
        default=SINGLE_PAYMENTS,
        help="payments recorded one by one (record_payment) before the batches",
    )
    parser.add_argument(
        "--receivables-only",
        action="store_true",
        help="run only the receivables phase and print its figures (BENCHMARKS.md untouched)",
    )
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a short run: 2,000 invoices, 100 singles, 1,000 payments (200 one by one), no 1,000,000 items",
    )
    parser.add_argument("--no-large", action="store_true", help="skip the 1,000,000 items")
    parser.add_argument(
        "--large-on",
        default="postgres",
        help="databases that run the 1,000,000-item aged balance (comma-separated; PostgreSQL only by default, to keep the run under 20 minutes)",
    )
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    if args.quick:
        args.invoices, args.singles, args.payments, args.no_large = 2_000, 100, 1_000, True
        args.single_payments = 200
    if args.child:
        child(
            args.child,
            args.invoices,
            args.singles,
            args.payments,
            not args.no_large,
            args.single_payments,
            args.receivables_only,
        )
        return
    if args.receivables_only:
        receivables_only(args)
        return
    large_on = set() if args.no_large else set(args.large_on.split(","))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ardoise.settings")
    os.environ["ARDOISE_TESTING"] = "1"
    import django

    django.setup()
    VAR.mkdir(exist_ok=True)
    pdf = measure_pdf(args.pdf_repeat)
    backends: dict = {}
    sqlite_path = VAR / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    backends["SQLite"] = spawn(
        "sqlite",
        f"sqlite:///{sqlite_path}",
        args.invoices,
        args.singles,
        args.payments,
        "sqlite" in large_on,
        args.single_payments,
    )
    if _recreate_postgres(PG_URL):
        backends["PostgreSQL"] = spawn(
            "postgres",
            PG_URL,
            args.invoices,
            args.singles,
            args.payments,
            "postgres" in large_on,
            args.single_payments,
        )
    sizes = {
        "machine": machine(),
        "invoices": args.invoices,
        "singles": args.singles,
        "pdf_repeat": args.pdf_repeat,
        "payments": args.payments,
        "single_payments": args.single_payments,
    }
    section = render_markdown(datetime.date.today().isoformat(), sizes, pdf, backends)  # noqa: DTZ011
    output = Path(args.output)
    header = (
        "# Benchmarks\n\nWritten by `make bench` (`python -m ardoise.demo.bench`). Newest run first.\n\n"
        "Targets set by the invoicing issue: 2,000 issued invoices/s in batch, 50 PDFs/s per "
        "core with fonts embedded and Arabic shaped. PDFs meet theirs (one core renders "
        "75-150/s); batch issue does not: numbering and committing runs at 600-800/s, and with "
        "every PDF archived the run is bound by rendering on this machine's two cores "
        "(about 200/s; a 50,000-invoice month takes about 4-5 minutes, not hours).\n\n"
        + targets(backends)
    )
    previous = output.read_text().split("\n", 4)[-1] if output.exists() else ""
    previous = previous[previous.find("## Run of") :] if "## Run of" in previous else ""
    output.write_text(header + section + "\n" + previous)
    print(section)
