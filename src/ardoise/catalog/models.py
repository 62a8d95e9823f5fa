"""Products and services, and the tax codes (EN 16931 VAT categories) they carry."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ardoise.core.models import CompanyOwned
from ardoise.core.money import (
    AMOUNT_DECIMAL_PLACES,
    AMOUNT_MAX_DIGITS,
    RATE_DECIMAL_PLACES,
    RATE_MAX_DIGITS,
)


class VatCategory(models.TextChoices):
    """EN 16931 / UNCL5305 VAT category codes."""

    STANDARD = "S", _("Standard rate")
    ZERO = "Z", _("Zero rated")
    EXEMPT = "E", _("Exempt from tax")
    REVERSE_CHARGE = "AE", _("VAT reverse charge")
    INTRA_COMMUNITY = "K", _("Intra-community supply")
    EXPORT = "G", _("Export outside the EU")
    NOT_SUBJECT = "O", _("Not subject to VAT")


# Categories whose invoices must state why no VAT is charged (EN 16931 BR-E-10, BR-AE-10, ...).
CATEGORIES_NEEDING_REASON = frozenset({"E", "AE", "K", "G", "O"})
# Categories whose rate must be zero.
ZERO_RATE_CATEGORIES = frozenset({"Z", "E", "AE", "K", "G", "O"})


class TaxCode(CompanyOwned):
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    country = models.CharField(max_length=2)
    category = models.CharField(max_length=2, choices=VatCategory.choices)
    rate = models.DecimalField(max_digits=RATE_MAX_DIGITS, decimal_places=RATE_DECIMAL_PLACES)
    exemption_reason = models.CharField(max_length=300, blank=True)
    exemption_reason_code = models.CharField(max_length=30, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["country", "code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="taxcode_code_unique"),
            models.CheckConstraint(
                condition=models.Q(rate__gte=0, rate__lte=100), name="taxcode_rate_range"
            ),
            models.CheckConstraint(
                condition=models.Q(category__in=[c.value for c in VatCategory]),
                name="taxcode_category_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.category} {self.rate}%)"


class Product(CompanyOwned):
    class Kind(models.TextChoices):
        GOODS = "goods", _("Goods")
        SERVICE = "service", _("Service")

    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SERVICE)
    # UN/ECE Recommendation 20 unit code (C62 one, HUR hour, DAY day, KGM kilogram, ...)
    unit = models.CharField(max_length=3, default="C62")
    unit_price = models.DecimalField(
        max_digits=AMOUNT_MAX_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES
    )
    tax_code = models.ForeignKey(TaxCode, on_delete=models.PROTECT, related_name="products")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="product_code_unique"),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0), name="product_price_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
