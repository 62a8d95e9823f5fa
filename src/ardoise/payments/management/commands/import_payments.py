"""`ardoise import-payments FILE.csv --company CODE --user USERNAME [--dry-run]`: record the
payments of a CSV file (see docs/payments-import.md) with `payments.batch.record_payments`,
all in one transaction: one bad line and nothing is written; every bad line is reported with
its number, field and rule."""

import csv
import re
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from ardoise.core.errors import FieldError, InvalidInput
from ardoise.core.models import Company
from ardoise.parties.models import Customer
from ardoise.payments.batch import parse_payments, record_payments

COLUMNS = (
    "customer",
    "amount",
    "currency",
    "date",
    "method",
    "reference",
    "payer",
    "cheque_number",
    "cheque_bank",
    "cheque_deposit_date",
    "bank_account",
    "exchange_rate",
    "auto",
)
REQUIRED = ("customer", "amount", "currency", "date", "method")
YES = {"", "1", "yes", "y", "true", "oui", "si", "sí"}
NO = {"0", "no", "n", "false", "non"}
ENTRY = re.compile(r"^payments\[(\d+)\]\.(.*)$")


class DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "Record the payments of a CSV file, allocated automatically; all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, UTF-8, a header line (docs/payments-import.md)")
        parser.add_argument("--company", required=True, help="code of the company")
        parser.add_argument("--user", required=True, help="username recording the payments")
        parser.add_argument("--delimiter", default=",", help="field separator (default ,)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check every line, write nothing"
        )

    def handle(self, *args, file, company, user, delimiter, dry_run=False, **options):
        firm = Company.objects.filter(code=company).first()
        if firm is None:
            raise CommandError(_("No company with the code %(code)s.") % {"code": company})
        actor = get_user_model().objects.filter(username=user).first()
        if actor is None:
            raise CommandError(_("No user %(name)s.") % {"name": user})
        lines, specs, errors = self._read(Path(file), firm, delimiter)
        if errors:
            # The other lines are still checked, so that one run names every bad line.
            try:
                parse_payments(firm, specs)
            except InvalidInput as error:
                errors += [_located(e, lines) for e in error.errors]
        else:
            try:
                with transaction.atomic():
                    payments = record_payments(firm, specs, actor=actor)
                    if dry_run:
                        raise DryRun
            except DryRun:
                pass
            except PermissionDenied as error:
                raise CommandError(str(error)) from error
            except InvalidInput as error:
                errors = [_located(e, lines) for e in error.errors]
        if errors:
            for line, field, message in sorted(errors, key=lambda e: (e[0], e[1])):
                self.stderr.write(
                    _("line %(line)s: %(field)s: %(message)s")
                    % {"line": line, "field": field, "message": message}
                )
            raise CommandError(
                _("%(count)s error(s): nothing was recorded.") % {"count": len(errors)}
            )
        if dry_run:
            self.stdout.write(
                _("%(count)s payment(s) checked, nothing recorded (dry run).")
                % {"count": len(specs)}
            )
            return
        self.stdout.write(
            _("%(count)s payment(s) recorded for %(company)s.")
            % {"count": len(payments), "company": firm.code}
        )

    def _read(self, path: Path, company: Company, delimiter: str):
        """(line numbers, specs, errors): the file's rows as `record_payment` arguments."""
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": path, "error": error}
            ) from error
        reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
        header = [name.strip().lower() for name in reader.fieldnames or []]
        missing = [name for name in REQUIRED if name not in header]
        unknown = [name for name in header if name not in COLUMNS]
        if missing or unknown:
            raise CommandError(
                _(
                    "The header needs the columns %(required)s and may have %(optional)s; missing: %(missing)s; unknown: %(unknown)s."
                )
                % {
                    "required": ", ".join(REQUIRED),
                    "optional": ", ".join(c for c in COLUMNS if c not in REQUIRED),
                    "missing": ", ".join(missing) or "-",
                    "unknown": ", ".join(unknown) or "-",
                }
            )
        reader.fieldnames = header
        rows = [
            (reader.line_num, {k: (v or "").strip() for k, v in row.items() if k})
            for row in reader
            if any((value or "").strip() for value in row.values() if isinstance(value, str))
        ]
        codes = {row["customer"] for _line, row in rows}
        customers = {c.code: c for c in Customer.objects.filter(company=company, code__in=codes)}
        lines, specs, errors = [], [], []
        for line, row in rows:
            customer = customers.get(row["customer"])
            auto = row.get("auto", "").lower()
            if customer is None:
                errors.append((line, "customer", _("No customer with this code in the company.")))
            if auto not in YES | NO:
                errors.append((line, "auto", _("Give yes or no.")))
            if customer is None or auto not in YES | NO:
                continue
            spec = {k: v for k, v in row.items() if k not in ("customer", "auto") and v != ""}
            lines.append(line)
            specs.append({**spec, "customer": customer, "auto": auto in YES})
        return lines, specs, errors


def _located(error: FieldError, lines: list[int]) -> tuple[int, str, str]:
    match = ENTRY.match(error.field)
    if match is None:
        return 0, error.field, error.message
    return lines[int(match.group(1))], match.group(2), error.message
