"""Staff forms for customers. They only parse: their clean step calls the service, whose
InvalidInput errors become form errors on the matching fields."""

from functools import cache

import pycountry
from django import forms
from django.utils.translation import gettext_lazy as _

from ardoise.core.forms import ServiceForm

from .history import MANUAL_KINDS, add_customer_event
from .models import ContactRole, Customer
from .services import (
    LANGUAGES,
    add_contact,
    create_customer,
    update_customer,
)

IDENTIFIER_SCHEMES = ("siren", "siret", "vat", "nif", "nis", "rc", "ai", "rccm")
IDENTIFIER_LABELS = {
    "siren": _("SIREN"),
    "siret": _("SIRET"),
    "vat": _("VAT number"),
    "nif": _("NIF"),
    "nis": _("NIS"),
    "rc": _("RC (trade register)"),
    "ai": _("AI (tax article)"),
    "rccm": _("RCCM"),
}
LANGUAGE_LABELS = {"fr": "Français", "en": "English", "es": "Español", "ar": "العربية"}


@cache
def country_choices() -> list[tuple[str, str]]:
    countries = sorted(pycountry.countries, key=lambda c: c.name)
    return [(c.alpha_2, f"{c.name} ({c.alpha_2})") for c in countries]


def optional_country_choices() -> list[tuple[str, str]]:
    return [("", "—"), *country_choices()]


class CustomerForm(ServiceForm):
    code = forms.CharField(label=_("Code"), max_length=40, required=False)
    legal_name = forms.CharField(label=_("Legal name"), max_length=200, required=False)
    trade_name = forms.CharField(label=_("Trade name"), max_length=200, required=False)
    country = forms.ChoiceField(label=_("Country"), choices=country_choices)
    language = forms.ChoiceField(
        label=_("Language"), choices=[(code, LANGUAGE_LABELS[code]) for code in LANGUAGES]
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False)
    email = forms.CharField(label=_("Invoicing email"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    business_line = forms.CharField(label=_("Business line"), max_length=60, required=False)
    billing_line1 = forms.CharField(label=_("Address"), max_length=200, required=False)
    billing_line2 = forms.CharField(label=_("Address (cont.)"), max_length=200, required=False)
    billing_postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    billing_city = forms.CharField(label=_("City"), max_length=100, required=False)
    billing_country = forms.ChoiceField(
        label=_("Country"), choices=optional_country_choices, required=False
    )
    shipping_line1 = forms.CharField(label=_("Address"), max_length=200, required=False)
    shipping_line2 = forms.CharField(label=_("Address (cont.)"), max_length=200, required=False)
    shipping_postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    shipping_city = forms.CharField(label=_("City"), max_length=100, required=False)
    shipping_country = forms.ChoiceField(
        label=_("Country"), choices=optional_country_choices, required=False
    )
    payment_terms_days = forms.IntegerField(label=_("Payment terms (days)"), initial=30)
    payment_terms_end_of_month = forms.BooleanField(label=_("End of month"), required=False)
    credit_limit = forms.CharField(label=_("Credit limit"), max_length=30, required=False)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, company, actor, instance: Customer | None = None, **kwargs):
        self.company = company
        self.actor = actor
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(instance)
        super().__init__(*args, **kwargs)
        for scheme in IDENTIFIER_SCHEMES:
            self.fields[scheme] = forms.CharField(
                label=IDENTIFIER_LABELS[scheme], max_length=60, required=False
            )
        if instance is None:
            self.fields["country"].initial = company.country
            self.fields["currency"].initial = company.currency
            self.fields["language"].initial = company.language

    @staticmethod
    def initial_from(customer: Customer) -> dict:
        initial = {
            name: getattr(customer, name)
            for name in CustomerForm.base_fields
            if hasattr(customer, name)
        }
        initial.update(customer.identifiers or {})
        return initial

    def identifier_fields(self):
        return [self[scheme] for scheme in IDENTIFIER_SCHEMES]

    def _service_data(self) -> dict:
        data = {
            name: self.cleaned_data.get(name)
            for name in self.base_fields
            if name not in IDENTIFIER_SCHEMES
        }
        # Schemes not shown on the form (cif, nie, rcs...) are kept as they are.
        identifiers = dict(self.instance.identifiers) if self.instance else {}
        for scheme in IDENTIFIER_SCHEMES:
            identifiers[scheme] = self.cleaned_data.get(scheme) or ""
        data["identifiers"] = {k: v for k, v in identifiers.items() if v}
        return data

    def perform(self, cleaned):
        if self.instance is None:
            self.instance = create_customer(self.company, actor=self.actor, **self._service_data())
        else:
            self.instance = update_customer(self.instance, actor=self.actor, **self._service_data())


class ContactForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=ContactRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, customer: Customer, actor, **kwargs):
        self.customer = customer
        self.actor = actor
        self.contact = None
        super().__init__(*args, **kwargs)

    def perform(self, cleaned):
        self.contact = add_contact(self.customer, actor=self.actor, **cleaned)


class CustomerEventForm(ServiceForm):
    """Log a call, a visit, an email, a letter or a note on the customer's history."""

    kind = forms.ChoiceField(label=_("What"), choices=[(k.value, k.label) for k in MANUAL_KINDS])
    at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Now if left empty."),
    )
    contact = forms.TypedChoiceField(label=_("With"), coerce=int, required=False, empty_value=None)
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, customer: Customer, actor, contacts=None, **kwargs):
        self.customer = customer
        self.actor = actor
        self.event = None
        super().__init__(*args, **kwargs)
        choices = [(c.pk, c.name) for c in (contacts if contacts is not None else [])]
        self.fields["contact"].choices = [("", "—"), *choices]  # type: ignore[attr-defined]

    def perform(self, cleaned):
        self.event = add_customer_event(self.customer, actor=self.actor, **cleaned)
