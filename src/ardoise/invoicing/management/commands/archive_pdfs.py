"""`ardoise archive-pdfs`: archive the PDF of every issued document that has none yet.

A batch issue commits the numbers first and archives the PDFs just after; a crash in
between leaves documents issued without their PDF. Rendering is deterministic, so archiving
them later gives the very bytes (and SHA-256) the batch would have stored.
"""

from django.core.management.base import BaseCommand

from ardoise.invoicing.services.batch import archive_pdfs, missing_pdfs


class Command(BaseCommand):
    help = "Render and archive the PDF of every issued invoice or credit note still without one."

    def add_arguments(self, parser):
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes rendering PDFs (default: one per core)",
        )

    def handle(self, *args, workers=None, **options):
        archived = 0
        for chunk in missing_pdfs():
            archived += archive_pdfs(chunk, actor=None, workers=workers)
        self.stdout.write(f"{archived} PDF(s) archived.")
