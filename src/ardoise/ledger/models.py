"""The receivables ledger: open items on a customer's account and the allocations (lettrage)
that match debit items with credit items.

Money movements are append-only (CONVENTIONS 10): an item or an allocation is never edited
nor deleted; an allocation is undone by a reversal row of the opposite amount. Residuals,
balances and aging are computed from dated rows (see `queries`), so any past date can be
reproduced.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ardoise.core.models import CompanyOwned
from ardoise.core.money import AMOUNT_DECIMAL_PLACES, AMOUNT_MAX_DIGITS
from ardoise.parties.models import Customer


class AppendOnlyError(Exception):
    pass


class ItemKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")
    FEE = "fee", _("Fee")
    WRITE_OFF = "write_off", _("Write-off")


class Direction(models.TextChoices):
    DEBIT = "debit", _("Debit")
    CREDIT = "credit", _("Credit")


# Which side each kind of item may stand on. Invoices and credit notes may stand on either
# (a document with a negative total is posted on the other side with a positive amount).
KIND_DIRECTIONS: dict[str, frozenset[str]] = {
    ItemKind.INVOICE: frozenset({Direction.DEBIT, Direction.CREDIT}),
    ItemKind.CREDIT_NOTE: frozenset({Direction.CREDIT, Direction.DEBIT}),
    ItemKind.PAYMENT: frozenset({Direction.CREDIT}),
    ItemKind.REFUND: frozenset({Direction.DEBIT}),
    ItemKind.FEE: frozenset({Direction.DEBIT}),
    ItemKind.WRITE_OFF: frozenset({Direction.CREDIT}),
}


class AllocationRule(models.TextChoices):
    EXPLICIT = "explicit", _("Chosen by hand")
    REFERENCE = "reference", _("Reference found in the payment")
    OLDEST_DUE = "oldest_due", _("Oldest due first")
    CREDIT_NOTE = "credit_note", _("Credit note against its invoice")
    WRITE_OFF = "write_off", _("Small-difference write-off")
    REFUND = "refund", _("Refund of a credit")
    REVERSAL = "reversal", _("Reversal")


class RefundMethod(models.TextChoices):
    """How money paid back to a customer leaves the company. The values are those of the
    payment methods (payments.Method) that can carry money out."""

    TRANSFER = "transfer", _("Bank transfer")
    CHEQUE = "cheque", _("Cheque")
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    COMPENSATION = "compensation", _("Compensation")
    OTHER = "other", _("Other")


def amount_field(**kwargs):
    return models.DecimalField(
        max_digits=AMOUNT_MAX_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES, **kwargs
    )


class AppendOnly(models.Model):
    """Rows that are added, never changed nor deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self} is a ledger row: it is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self} is a ledger row: it is never deleted, only reversed.")


class OpenItem(CompanyOwned, AppendOnly):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="open_items")
    kind = models.CharField(max_length=12, choices=ItemKind.choices)
    direction = models.CharField(max_length=6, choices=Direction.choices)
    amount = amount_field()
    currency = models.CharField(max_length=3)
    document_date = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    # How the money moved, for a refund (one of RefundMethod); empty on other items.
    method = models.CharField(max_length=20, blank=True, default="", choices=RefundMethod.choices)
    # The source document, referred to generically: the ledger never imports its owner.
    source_type = models.CharField(max_length=60, blank=True)
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="open_item_amount_gt0"),
            models.CheckConstraint(
                condition=models.Q(direction__in=["debit", "credit"]),
                name="open_item_direction_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in ItemKind]),
                name="open_item_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(method="")
                | models.Q(kind="refund", method__in=[m.value for m in RefundMethod]),
                name="open_item_method_valid",
            ),
            models.UniqueConstraint(
                fields=["company", "source_type", "source_id"],
                condition=models.Q(source_id__isnull=False),
                name="open_item_source_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "customer", "document_date"]),
            models.Index(fields=["company", "document_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference or self.pk} {self.direction} {self.amount}"


class Allocation(CompanyOwned, AppendOnly):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    debit_item = models.ForeignKey(
        OpenItem, on_delete=models.PROTECT, related_name="debit_allocations"
    )
    credit_item = models.ForeignKey(
        OpenItem, on_delete=models.PROTECT, related_name="credit_allocations"
    )
    # Positive for an allocation, negative for the reversal of one.
    amount = amount_field()
    entry_date = models.DateField()
    # When the allocation counts in residuals: the later of the two items' dates (the
    # reversal's own date for a reversal).
    effective_date = models.DateField()
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal"
    )
    lettering = models.CharField(max_length=8)
    rule = models.CharField(max_length=20, choices=AllocationRule.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount=0), name="allocation_amount_not_zero"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(reverses__isnull=True, amount__gt=0)
                    | models.Q(reverses__isnull=False, amount__lt=0)
                ),
                name="allocation_reversal_sign",
            ),
        ]
        indexes = [
            models.Index(fields=["debit_item", "effective_date"]),
            models.Index(fields=["credit_item", "effective_date"]),
            models.Index(fields=["customer", "lettering"]),
        ]

    def __str__(self) -> str:
        return f"{self.lettering} {self.amount} ({self.rule})"


class ClosedPeriod(CompanyOwned):
    """A closed month: nothing may be dated in it. Reopening deletes the row (audited)."""

    year = models.PositiveIntegerField()
    month = models.PositiveSmallIntegerField()
    closed_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "year", "month"], name="closed_period_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="closed_period_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"
