from django.core.management.base import BaseCommand, CommandError

from ardoise.core.errors import BusinessError
from ardoise.core.models import Company
from ardoise.demo.data import COMPANIES, PASSWORD
from ardoise.demo.generate import build_demo


class Command(BaseCommand):
    help = (
        "Create one demo company per jurisdiction (demo-fr, demo-dz, demo-es, demo-ne) with a "
        "user for each role, customers, products and invoices."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=12)
        parser.add_argument("--invoices", type=int, default=25)
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when a company exists already"
        )

    def handle(self, *args, **options):
        if options["customers"] < 1 or options["invoices"] < 0:
            raise CommandError("--customers must be at least 1 and --invoices at least 0.")
        if Company.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Demo data already present.")
                return
            codes = [c["code"] for c in COMPANIES]
            if Company.objects.filter(code__in=codes).exists():
                raise CommandError("The demo companies exist already; use a fresh database.")
        try:
            build_demo(options["customers"], options["invoices"], log=self.stdout.write)
        except BusinessError as error:
            raise CommandError(f"demo data refused: {error}") from error
        self.stdout.write(
            f"Demo ready. Log in as clerk-fr, approver-fr, admin-fr, accountant-fr or "
            f"auditor-fr (likewise -dz, -es, -ne); password: {PASSWORD}"
        )
