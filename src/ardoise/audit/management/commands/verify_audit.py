from django.core.management.base import BaseCommand, CommandError

from ardoise.audit.models import AuditEvent
from ardoise.audit.verify import verify_all


class Command(BaseCommand):
    help = "Verify the hash chains of the audit trail; exit non-zero naming the first bad record."

    def handle(self, *args, **options):
        checked, problems = verify_all()
        if problems:
            for problem in problems:
                self.stderr.write(f"TAMPERED: {problem}")
            raise CommandError(f"audit trail broken in {len(problems)} of {checked} chain(s)")
        count = AuditEvent.objects.count()
        self.stdout.write(f"audit trail intact: {count} records in {checked} chain(s)")
