"""Where the bench writes and which databases it recreates; the machine it ran on."""

import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
VAR = ROOT / "var"
PG_URL = os.environ.get(
    "ARDOISE_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/ardoise_bench"
)


def _recreate_postgres(url: str) -> bool:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    try:
        with psycopg.connect(
            host=config["HOST"],
            port=config["PORT"] or 5432,
            user=config["USER"],
            dbname="postgres",
            autocommit=True,
            connect_timeout=3,
        ) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{config["NAME"]}"')
        return True
    except psycopg.OperationalError as error:
        print(f"PostgreSQL unreachable, skipped: {error}", file=sys.stderr)
        return False


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB RAM, Python {platform.python_version()}, {platform.system()}"
