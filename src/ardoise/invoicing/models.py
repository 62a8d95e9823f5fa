"""Invoices and credit notes.

A draft is freely edited; on issue it gets its gapless number, its dates, a snapshot of the
seller, buyer and legal texts, and its archived PDF with SHA-256. From then on it never
changes: it is corrected by a credit note that refers to it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ardoise.catalog.models import Product, TaxCode
from ardoise.core.models import CompanyOwned
from ardoise.core.money import (
    AMOUNT_DECIMAL_PLACES,
    AMOUNT_MAX_DIGITS,
    QUANTITY_DECIMAL_PLACES,
    QUANTITY_MAX_DIGITS,
    RATE_DECIMAL_PLACES,
    RATE_MAX_DIGITS,
)
from ardoise.parties.models import Customer


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    ISSUED = "issued", _("Issued")


# The state machine as data: action -> (allowed source states, target state).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({Status.DRAFT}), Status.AWAITING_APPROVAL),
    "approve": (frozenset({Status.AWAITING_APPROVAL}), Status.APPROVED),
    # An approved invoice that must change goes back to draft through a rejection.
    "reject": (frozenset({Status.AWAITING_APPROVAL, Status.APPROVED}), Status.DRAFT),
    "issue": (frozenset({Status.DRAFT, Status.APPROVED}), Status.ISSUED),
}
EDITABLE_STATUSES = frozenset({Status.DRAFT})


class ImmutableDocumentError(Exception):
    pass


def amount_field(**kwargs):
    return models.DecimalField(
        max_digits=AMOUNT_MAX_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES, **kwargs
    )


class Invoice(CompanyOwned):
    kind = models.CharField(
        max_length=12, choices=DocumentKind.choices, default=DocumentKind.INVOICE
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    number = models.CharField(max_length=40, null=True, blank=True)
    sequence_year = models.PositiveIntegerField(null=True, blank=True)
    sequence_number = models.PositiveIntegerField(null=True, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    currency = models.CharField(max_length=3)
    language = models.CharField(max_length=5, default="fr")
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    purchase_order = models.CharField(max_length=100, blank=True)
    delivery_notes = models.JSONField(default=list, blank=True)
    contract = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    credited_invoice = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    total_net = amount_field(default=0)
    total_tax = amount_field(default=0)
    total = amount_field(default=0)
    tax_breakdown = models.JSONField(default=list, blank=True)
    # Frozen at issue: seller, buyer, terms and legal texts as they were that day.
    seller_snapshot = models.JSONField(null=True, blank=True)
    buyer_snapshot = models.JSONField(null=True, blank=True)
    legal_mentions = models.JSONField(default=list, blank=True)
    pdf = models.FileField(upload_to="invoices/%Y/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    approval_comment = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Set on an instance only, never stored (declared here for the type checker):
    _issuing: bool  # by the issue, which alone may save over an issued row
    _archive_lines: list["InvoiceLine"]  # by the batch archiver, the lines it loaded

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"],
                condition=models.Q(number__isnull=False),
                name="invoice_number_unique",
            ),
            models.UniqueConstraint(
                fields=["company", "kind", "sequence_year", "sequence_number"],
                condition=models.Q(sequence_number__isnull=False),
                name="invoice_sequence_unique",
            ),
            # Issued <=> numbered: drafts have no number, issued documents always have one.
            models.CheckConstraint(
                condition=(
                    models.Q(status="issued", number__isnull=False, issue_date__isnull=False)
                    | (~models.Q(status="issued") & models.Q(number__isnull=True))
                ),
                name="invoice_number_iff_issued",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="credit_note") | models.Q(credited_invoice__isnull=True),
                name="invoice_only_credit_notes_credit",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "status", "-id"]),
            models.Index(fields=["company", "customer", "-id"]),
            models.Index(fields=["company", "issue_date"]),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.get_kind_display()} draft #{self.pk}"

    @property
    def is_issued(self) -> bool:
        return self.status == Status.ISSUED

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    def can(self, action: str) -> bool:
        sources, _target = TRANSITIONS[action]
        return self.status in sources

    def save(self, *args, **kwargs):
        if self.pk is not None and not getattr(self, "_issuing", False):
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == Status.ISSUED:
                raise ImmutableDocumentError(
                    f"{self} is issued and cannot be changed; issue a credit note instead."
                )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.number or self.status == Status.ISSUED:
            raise ImmutableDocumentError(f"{self} is issued and cannot be deleted.")
        return super().delete(*args, **kwargs)


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(
        max_digits=QUANTITY_MAX_DIGITS, decimal_places=QUANTITY_DECIMAL_PLACES
    )
    unit = models.CharField(max_length=3, default="C62")
    unit_price = models.DecimalField(
        max_digits=AMOUNT_MAX_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES
    )
    discount_percent = models.DecimalField(
        max_digits=RATE_MAX_DIGITS, decimal_places=RATE_DECIMAL_PLACES, default=0
    )
    tax_code = models.ForeignKey(TaxCode, on_delete=models.PROTECT, related_name="+")
    # Copied from the tax code when the line is written, so a later change of the code
    # never alters an existing document.
    tax_category = models.CharField(max_length=2)
    tax_rate = models.DecimalField(max_digits=RATE_MAX_DIGITS, decimal_places=RATE_DECIMAL_PLACES)
    exemption_reason = models.CharField(max_length=300, blank=True)
    net_amount = amount_field(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(discount_percent__gte=0, discount_percent__lte=100),
                name="line_discount_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.description}"
