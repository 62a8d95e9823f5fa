from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ardoise.companies.services import create_user, set_membership
from ardoise.core.errors import BusinessError
from ardoise.core.models import Company
from ardoise.core.roles import Role


class Command(BaseCommand):
    help = "Create a user (or add a role to an existing one) in a company."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--company", required=True, help="company code, e.g. demo-fr")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--email", default="")

    def handle(self, *args, **options):
        company = Company.objects.filter(code=options["company"]).first()
        if company is None:
            raise CommandError(f"No company with code {options['company']!r}.")
        User = get_user_model()
        try:
            user = User.objects.filter(username=options["username"]).first()
            if user is None:
                user = create_user(
                    actor=None,
                    username=options["username"],
                    password=options["password"],
                    email=options["email"],
                )
            set_membership(actor=None, user=user, company=company, role=options["role"])
        except BusinessError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"{user.username}: {options['role']} of {company.code}")
