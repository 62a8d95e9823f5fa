from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ardoise.catalog.services import seed_tax_codes
from ardoise.companies.services import create_company, create_user, set_membership
from ardoise.core.errors import BusinessError


class Command(BaseCommand):
    help = (
        "Create a company (seller) with the tax codes of its country, and optionally its first "
        "administrator. The rest (identifiers, logo, bank accounts, members) is set on the "
        "Settings page."
    )

    def add_arguments(self, parser):
        parser.add_argument("--code", required=True, help="short unique code, e.g. acme-fr")
        parser.add_argument("--legal-name", required=True)
        parser.add_argument("--country", required=True, help="ISO 3166 code: FR, DZ, ES, NE, ...")
        parser.add_argument("--currency", required=True, help="ISO 4217 code: EUR, DZD, XOF, ...")
        parser.add_argument("--language", default="fr", choices=["fr", "en", "es", "ar"])
        parser.add_argument("--admin", help="username of the first administrator")
        parser.add_argument("--password", help="password, when --admin is a new user")

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                company = create_company(
                    actor=None,
                    code=options["code"],
                    legal_name=options["legal_name"],
                    country=options["country"],
                    currency=options["currency"],
                    language=options["language"],
                )
                seeded = seed_tax_codes(company, actor=None)
                if options["admin"]:
                    self._admin(company, options["admin"], options["password"])
        except BusinessError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"company {company.code} (id {company.pk}) created with {seeded} tax codes"
        )

    def _admin(self, company, username: str, password: str | None) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            if not password:
                raise CommandError(f"{username} is a new user: give --password.")
            user = create_user(actor=None, username=username, password=password)
        set_membership(actor=None, user=user, company=company, role="admin")
