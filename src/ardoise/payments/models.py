"""A payment received from a customer, and its receipt.

Money movements are append-only (CONVENTIONS 10): a payment is never edited nor deleted.
Its posting to the ledger and its receipt are set once, by the services, on fields that
start empty; a payment recorded in error is corrected in the ledger, not here.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ardoise.core.models import BankAccount, CompanyOwned
from ardoise.core.money import AMOUNT_DECIMAL_PLACES, AMOUNT_MAX_DIGITS
from ardoise.ledger.models import OpenItem
from ardoise.parties.models import Customer

RECEIPT_SEQUENCE = "receipt"
RECEIPT_PATTERN = "RE-{year}-{seq:06d}"


class AppendOnlyError(Exception):
    pass


class Method(models.TextChoices):
    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")
    TRANSFER = "transfer", _("Bank transfer")
    CARD = "card", _("Card")
    DIRECT_DEBIT = "direct_debit", _("Direct debit")
    ONLINE = "online", _("Online payment")
    COMPENSATION = "compensation", _("Compensation")
    OTHER = "other", _("Other")


_METHOD_LABELS = dict(Method.choices)

# The fields the services fill in once after the row exists (posting, receipt).
SET_ONCE_FIELDS = frozenset(
    {"open_item", "receipt_number", "receipt_year", "receipt_date", "receipt_pdf", "receipt_sha256"}
)


class Payment(CompanyOwned):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=20, choices=Method.choices)
    amount = models.DecimalField(max_digits=AMOUNT_MAX_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES)
    currency = models.CharField(max_length=3)
    date = models.DateField()
    payer = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=140, blank=True)
    bank_account = models.ForeignKey(
        BankAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cheque_number = models.CharField(max_length=40, blank=True)
    cheque_bank = models.CharField(max_length=100, blank=True)
    cheque_deposit_date = models.DateField(null=True, blank=True)
    # Units of the company's currency for one unit of the payment's (foreign) currency.
    exchange_rate = models.DecimalField(max_digits=18, decimal_places=8, null=True, blank=True)
    open_item = models.OneToOneField(
        OpenItem, null=True, blank=True, on_delete=models.PROTECT, related_name="payment"
    )
    receipt_number = models.PositiveIntegerField(null=True, blank=True)
    receipt_year = models.PositiveIntegerField(null=True, blank=True)
    receipt_date = models.DateField(null=True, blank=True)
    receipt_pdf = models.FileField(upload_to="receipts/%Y/", blank=True)
    receipt_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_gt0"),
            models.CheckConstraint(
                condition=models.Q(exchange_rate__isnull=True) | models.Q(exchange_rate__gt=0),
                name="payment_exchange_rate_gt0",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(receipt_number__isnull=True, receipt_year__isnull=True)
                    | models.Q(receipt_number__isnull=False, receipt_year__isnull=False)
                ),
                name="payment_receipt_number_with_year",
            ),
            models.UniqueConstraint(
                fields=["company", "receipt_year", "receipt_number"],
                condition=models.Q(receipt_number__isnull=False),
                name="payment_receipt_number_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "customer", "date"]),
            models.Index(fields=["company", "date"]),
        ]

    def __str__(self) -> str:
        # As get_method_display(), which rebuilds the choices dict on every call: the audit
        # trail asks once per payment recorded.
        method = _METHOD_LABELS.get(self.method, self.method)
        return f"{method} {self.amount} {self.currency} ({self.date})"

    @property
    def receipt_reference(self) -> str:
        if self.receipt_number is None or self.receipt_year is None:
            return ""
        return RECEIPT_PATTERN.format(year=self.receipt_year, seq=self.receipt_number)

    def save(self, *args, **kwargs):
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if not fields or not set(fields) <= SET_ONCE_FIELDS:
                raise AppendOnlyError(f"{self} is a payment: it is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self} is a payment: it is never deleted.")
