"""Companies (the sellers, i.e. tenants), memberships with roles, API tokens and the gapless
document sequences."""

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .money import AMOUNT_DECIMAL_PLACES, AMOUNT_MAX_DIGITS
from .roles import Role


class ApprovalMode(models.TextChoices):
    NONE = "none", _("No approval")
    THRESHOLD = "threshold", _("Above a threshold amount")
    ALWAYS = "always", _("Always")


class Company(models.Model):
    """A seller. Every business row belongs to exactly one company."""

    code = models.SlugField(max_length=40, unique=True)
    legal_name = models.CharField(max_length=200)
    trade_name = models.CharField(max_length=200, blank=True)
    legal_form = models.CharField(max_length=60, blank=True, help_text=_("e.g. SAS, SARL, SL"))
    share_capital = models.CharField(max_length=60, blank=True)
    country = models.CharField(max_length=2)
    currency = models.CharField(max_length=3)
    language = models.CharField(max_length=5, default="fr")
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    website = models.CharField(max_length=200, blank=True)
    # Legal identifiers by scheme: siren, siret, vat, rcs, nif, nis, rc, ai, rccm, ...
    identifiers = models.JSONField(default=dict, blank=True)
    logo = models.FileField(upload_to="logos/", blank=True)
    invoice_footer = models.TextField(blank=True)
    invoice_terms = models.TextField(
        blank=True, help_text=_("Payment terms text printed on invoices (penalties, discount).")
    )
    invoice_number_pattern = models.CharField(max_length=60, default="FA-{year}-{seq:06d}")
    credit_note_number_pattern = models.CharField(max_length=60, default="AV-{year}-{seq:06d}")
    approval_mode = models.CharField(
        max_length=12, choices=ApprovalMode.choices, default=ApprovalMode.NONE
    )
    approval_threshold = models.DecimalField(
        max_digits=AMOUNT_MAX_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES, null=True, blank=True
    )
    # Largest residual a clerk may close as a small-difference write-off (ledger).
    write_off_tolerance = models.DecimalField(
        max_digits=AMOUNT_MAX_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES, default=0
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.legal_name

    @property
    def display_name(self) -> str:
        return self.trade_name or self.legal_name

    def clean(self) -> None:
        from .validators import validate_number_pattern

        for field in ("invoice_number_pattern", "credit_note_number_pattern"):
            try:
                validate_number_pattern(getattr(self, field))
            except ValueError as error:
                raise ValidationError({field: str(error)}) from error


class BankAccount(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="bank_accounts")
    label = models.CharField(max_length=100)
    bank_name = models.CharField(max_length=100, blank=True)
    iban = models.CharField(max_length=34)
    bic = models.CharField(max_length=11, blank=True)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_default", "label"]

    def __str__(self) -> str:
        return f"{self.label} {self.iban}"


class Membership(models.Model):
    """A user's role in one company."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=12, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="membership_user_company"),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} @ {self.company.code}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """Bearer token for the HTTP API. Only its SHA-256 is stored; the raw value is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def new_raw_key(cls) -> str:
        return "ard_" + secrets.token_urlsafe(32)


class DocumentSequence(models.Model):
    """Gapless counter of one (company, document kind, fiscal year).

    The row is locked (SELECT ... FOR UPDATE) for the whole issuing transaction, so two
    concurrent issues queue; `last_date` keeps issue dates in the order of the numbers.
    """

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="sequences")
    kind = models.CharField(max_length=20)
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)
    last_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "kind", "year"], name="sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.company.code}/{self.kind}/{self.year}: {self.last_number}"


class CompanyOwned(models.Model):
    """Base of every business row: it belongs to one company."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True
