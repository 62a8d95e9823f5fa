"""`ardoise post-ledger [--company CODE] [--dry-run]`: post to the receivables ledger the
issued invoices and credit notes that have no open item (issued before the ledger existed),
then match each credit note with its invoice. Uses the posting code of issuing; running it
twice posts nothing the second time."""

from django.core.management.base import BaseCommand, CommandError

from ardoise.core.models import Company
from ardoise.invoicing.services.posting import Backfill, post_missing


class Command(BaseCommand):
    help = "Post the open items of issued documents that have none, and match credit notes."

    def add_arguments(self, parser):
        parser.add_argument("--company", help="code of the company (default: every company)")
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would be posted, write nothing"
        )

    def handle(self, *args, company=None, dry_run=False, **options):
        companies = Company.objects.order_by("code")
        if company:
            companies = companies.filter(code=company)
            if not companies.exists():
                raise CommandError(f"No company with the code {company!r}.")
        for each in companies:
            self._report(post_missing(each, actor=None, dry_run=dry_run), dry_run)

    def _report(self, result: Backfill, dry_run: bool) -> None:
        verb = "would post" if dry_run else "posted"
        write = self.stdout.write
        write(f"{result.company.code}: {verb} {len(result.posted)} document(s)")
        for document in result.posted:
            write(
                f"  {document.number} {document.kind} {document.issue_date} "
                f"{document.customer.code} {document.total} {document.currency}"
            )
        matched = "would match" if dry_run else "matched"
        for note, invoice in result.matched:
            write(
                f"  {matched} credit note {note.number} with invoice {invoice.number if invoice else '?'}"
            )
        for document in result.zero_total:
            write(f"  {document.number}: total zero, nothing to post")
        for document in result.closed_period:
            self.stderr.write(
                f"  {document.number}: dated {document.issue_date} in a closed period, "
                "not posted (reopen the period to post it)"
            )
