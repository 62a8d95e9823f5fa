"""`python -m ardoise.core.dbcheck URL`: exit 0 when the PostgreSQL server answers."""

import sys

import dj_database_url


def main(url: str) -> int:
    import psycopg

    config = dj_database_url.parse(url)
    try:
        with psycopg.connect(
            host=config["HOST"] or "127.0.0.1",
            port=config["PORT"] or 5432,
            user=config["USER"] or "postgres",
            password=config["PASSWORD"] or None,
            dbname=config["NAME"] or "postgres",
            connect_timeout=3,
        ):
            return 0
    except psycopg.OperationalError as error:
        print(f"cannot reach PostgreSQL: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
