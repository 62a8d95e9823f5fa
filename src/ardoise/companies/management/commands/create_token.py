from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ardoise.companies.services import create_token


class Command(BaseCommand):
    help = "Create an API token for a user and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        _token, raw = create_token(actor=None, user=user, name=options["name"])
        self.stdout.write(raw)
