"""Customers (the buyers) with their addresses, contacts, legal identifiers and terms."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ardoise.core.models import CompanyOwned
from ardoise.core.money import AMOUNT_DECIMAL_PLACES, AMOUNT_MAX_DIGITS


class Customer(CompanyOwned):
    code = models.CharField(max_length=40)
    legal_name = models.CharField(max_length=200)
    trade_name = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2)
    language = models.CharField(max_length=5, default="fr")
    currency = models.CharField(max_length=3)
    email = models.EmailField(blank=True, help_text=_("Where invoices are sent."))
    phone = models.CharField(max_length=40, blank=True)
    # Normalized legal identifiers by scheme: siren, siret, vat, nif, cif, nie, nis, rc, ai, rccm
    identifiers = models.JSONField(default=dict, blank=True)
    # Space-joined identifier values, for searching any identifier with one LIKE.
    identifiers_text = models.CharField(max_length=500, blank=True, editable=False)
    billing_line1 = models.CharField(max_length=200, blank=True)
    billing_line2 = models.CharField(max_length=200, blank=True)
    billing_postal_code = models.CharField(max_length=20, blank=True)
    billing_city = models.CharField(max_length=100, blank=True)
    billing_country = models.CharField(max_length=2, blank=True)
    shipping_line1 = models.CharField(max_length=200, blank=True)
    shipping_line2 = models.CharField(max_length=200, blank=True)
    shipping_postal_code = models.CharField(max_length=20, blank=True)
    shipping_city = models.CharField(max_length=100, blank=True)
    shipping_country = models.CharField(max_length=2, blank=True)
    # Payment terms: net N days (end_of_month off); end of month (+ N days) when on.
    payment_terms_days = models.PositiveSmallIntegerField(default=30)
    payment_terms_end_of_month = models.BooleanField(default=False)
    credit_limit = models.DecimalField(
        max_digits=AMOUNT_MAX_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES, null=True, blank=True
    )
    business_line = models.CharField(max_length=60, blank=True)
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="customer_code_unique"),
            models.CheckConstraint(
                condition=models.Q(payment_terms_days__lte=365), name="customer_terms_max_year"
            ),
        ]
        indexes = [
            models.Index(fields=["company", "legal_name"]),
            models.Index(fields=["company", "business_line"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.legal_name}"

    @property
    def display_name(self) -> str:
        return self.trade_name or self.legal_name


class ContactRole(models.TextChoices):
    BILLING = "billing", _("Billing")
    ACCOUNTING = "accounting", _("Accounting")
    PURCHASING = "purchasing", _("Purchasing")


class Contact(CompanyOwned):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=150)
    roles = models.JSONField(
        default=list, blank=True, help_text=_("billing, accounting, purchasing")
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    job_title = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomerEventKind(models.TextChoices):
    """What happened with the customer. Collections adds its own kinds (dunning letters,
    promises to pay, ...) here, with the migration that widens the check constraint."""

    STATEMENT_SENT = "statement_sent", _("Statement sent")
    EMAIL = "email", _("Email")
    CALL = "call", _("Phone call")
    VISIT = "visit", _("Visit")
    LETTER = "letter", _("Letter")
    NOTE = "note", _("Note")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")
    POST = "post", _("Post")
    PORTAL = "portal", _("Customer portal")
    INTERNAL = "internal", _("Internal")


class AppendOnlyError(Exception):
    pass


class CustomerEvent(CompanyOwned):
    """One entry of the customer's history (contact history): a statement sent, a call, a
    visit, a letter, a note. Append-only: a wrong entry is corrected by a new one, never
    edited nor deleted. The document it concerns (a statement, a dunning letter, an
    invoice) is referred to generically, as the ledger does: parties imports no domain
    above it."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="events")
    # When it happened (a call logged the next day keeps the day of the call).
    at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=CustomerEventKind.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    summary = models.TextField()
    # The person spoken to; the name is kept so the entry reads the same once the contact
    # is removed (which clears the link, the one change an entry undergoes).
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    contact_name = models.CharField(max_length=150, blank=True)
    source_type = models.CharField(max_length=60, blank=True)
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source_label = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in CustomerEventKind]),
                name="customer_event_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=[c.value for c in Channel]),
                name="customer_event_channel_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(summary=""), name="customer_event_summary_given"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "at"]),
            models.Index(fields=["company", "at"]),
            models.Index(fields=["company", "source_type", "source_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_id} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self} is history: it is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self} is history: it is never deleted.")
