"""The `ardoise` console command: Django's management commands plus Ardoise's own.

Commands are written with hyphens on the command line (`ardoise verify-audit`) and live in
modules with underscores (`verify_audit.py`).
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ardoise.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    if len(argv) > 1 and "-" in argv[1] and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
