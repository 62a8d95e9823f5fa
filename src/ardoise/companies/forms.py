"""Company administration forms. They only parse: their clean step calls the service, whose
InvalidInput (and Conflict) errors become form errors on the matching fields."""

import datetime

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ardoise.core.forms import ServiceForm
from ardoise.core.models import ApprovalMode, Company
from ardoise.core.roles import Role
from ardoise.core.validators import format_number, validate_number_pattern

from .services import (
    add_bank_account,
    add_member,
    create_token,
    set_logo,
    set_membership,
    update_company,
)

IDENTIFIER_LABELS = {
    "siren": _("SIREN"),
    "siret": _("SIRET"),
    "vat": _("VAT number"),
    "rcs": _("RCS (trade register)"),
    "nif": _("NIF"),
    "nis": _("NIS"),
    "rc": _("RC (trade register)"),
    "ai": _("AI (tax article)"),
    "rccm": _("RCCM"),
}
# Member states of OHADA: their companies carry an RCCM and a national tax number.
OHADA_COUNTRIES = frozenset(
    "BJ BF CM CF KM CG CD CI GA GN GW GQ ML NE SN TD TG".split()  # noqa: SIM905
)
SCHEMES_BY_COUNTRY = {
    "FR": ("siren", "siret", "vat", "rcs"),
    "DZ": ("nif", "nis", "rc", "ai"),
    "ES": ("nif", "vat"),
}


def identifier_schemes(country: str) -> tuple[str, ...]:
    if country in SCHEMES_BY_COUNTRY:
        return SCHEMES_BY_COUNTRY[country]
    if country in OHADA_COUNTRIES:
        return ("nif", "rccm")
    return ("vat",)


def example_number(pattern: str) -> str:
    """What the next number of a pattern looks like, or "" if the pattern is broken."""
    try:
        validate_number_pattern(pattern)
        return format_number(pattern, year=datetime.date.today().year, seq=1)  # noqa: DTZ011
    except (KeyError, ValueError, IndexError):
        return ""


def text(label, max_length=None, **kwargs) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=False, **kwargs)


def textarea(label) -> forms.CharField:
    return text(label, widget=forms.Textarea(attrs={"rows": 3}), strip=False)


class CompanySettingsForm(ServiceForm):
    legal_name = text(_("Legal name"))
    trade_name = text(_("Trade name"))
    legal_form = text(_("Legal form"), help_text=_("e.g. SAS, SARL, SL"))
    share_capital = text(_("Share capital"))
    address_line1 = text(_("Address"))
    address_line2 = text(_("Address (cont.)"))
    postal_code = text(_("Postal code"))
    city = text(_("City"))
    language = forms.ChoiceField(label=_("Document language"), choices=settings.LANGUAGES)
    email = text(_("Email"))
    phone = text(_("Phone"))
    website = text(_("Website"))
    invoice_footer = textarea(_("Invoice footer"))
    invoice_terms = textarea(_("Invoice terms"))
    invoice_number_pattern = text(_("Invoice number pattern"))
    credit_note_number_pattern = text(_("Credit note number pattern"))
    approval_mode = forms.ChoiceField(label=_("Invoice approval"), choices=ApprovalMode.choices)
    approval_threshold = text(_("Approval threshold"))

    def __init__(self, *args, company: Company, actor, **kwargs):
        self.company = company
        self.actor = actor
        kwargs.setdefault("initial", self.initial_from(company))
        super().__init__(*args, **kwargs)
        for scheme in self.schemes:
            self.fields[scheme] = text(IDENTIFIER_LABELS.get(scheme, scheme.upper()))
            self.fields[scheme].initial = (company.identifiers or {}).get(scheme, "")
        for name, target in (
            ("invoice_number_pattern", "#invoice-example"),
            ("credit_note_number_pattern", "#credit-note-example"),
        ):
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": reverse("companies:number-example"),
                    "hx-trigger": "input changed delay:300ms",
                    "hx-target": target,
                    "class": "mono",
                }
            )
        self.fields["approval_threshold"].help_text = _(
            "Amount including tax, in %(currency)s, above which an invoice needs approval."
        ) % {"currency": company.currency}

    @property
    def schemes(self) -> tuple[str, ...]:
        return identifier_schemes(self.company.country)

    @classmethod
    def initial_from(cls, company: Company) -> dict:
        initial = {name: getattr(company, name) for name in cls.base_fields}
        if company.approval_threshold is not None:
            initial["approval_threshold"] = company.approval_threshold.normalize()
        return initial

    def identifier_fields(self):
        return [self[scheme] for scheme in self.schemes]

    def number_examples(self) -> dict[str, str]:
        source = self.data if self.is_bound else self.initial
        return {
            name: example_number(source.get(name) or "")
            for name in ("invoice_number_pattern", "credit_note_number_pattern")
        }

    def _service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.base_fields}
        # Schemes the form does not show are kept as they are.
        identifiers = dict(self.company.identifiers or {})
        for scheme in self.schemes:
            identifiers[scheme] = self.cleaned_data.get(scheme) or ""
        data["identifiers"] = identifiers
        return data

    def perform(self, cleaned):
        self.company = update_company(self.company, actor=self.actor, **self._service_data())


class LogoForm(ServiceForm):
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG or JPEG, at most 1 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )

    def __init__(self, *args, company: Company, actor, **kwargs):
        self.company = company
        self.actor = actor
        super().__init__(*args, **kwargs)

    def perform(self, cleaned):
        self.company = set_logo(self.company, actor=self.actor, uploaded_file=cleaned.get("logo"))


class BankAccountForm(ServiceForm):
    label = text(_("Label"))
    bank_name = text(_("Bank"))
    iban = text(_("IBAN"))
    bic = text(_("BIC"))
    is_default = forms.BooleanField(label=_("Default account"), required=False)

    def __init__(self, *args, company: Company, actor, **kwargs):
        self.company = company
        self.actor = actor
        self.account = None
        super().__init__(*args, **kwargs)

    def perform(self, cleaned):
        self.account = add_bank_account(self.company, actor=self.actor, **cleaned)


class MemberAddForm(ServiceForm):
    username = text(_("Username"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.CLERK)
    email = text(_("Email"), help_text=_("Only for a new user."))
    password = text(
        _("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Only for a new user; an existing user keeps theirs."),
    )

    def __init__(self, *args, company: Company, actor, **kwargs):
        self.company = company
        self.actor = actor
        self.membership = None
        super().__init__(*args, **kwargs)

    def perform(self, cleaned):
        self.membership = add_member(self.company, actor=self.actor, **cleaned)


class MemberRoleForm(ServiceForm):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args, membership, actor, **kwargs):
        self.membership = membership
        self.actor = actor
        super().__init__(*args, **kwargs)

    def perform(self, cleaned):
        self.membership = set_membership(
            actor=self.actor,
            user=self.membership.user,
            company=self.membership.company,
            role=cleaned["role"],
        )


class TokenForm(ServiceForm):
    name = text(_("Name"), help_text=_("What the token is for, e.g. “accounting export”."))

    def __init__(self, *args, user, **kwargs):
        self.user = user
        self.token = None
        self.raw = ""
        super().__init__(*args, **kwargs)

    def perform(self, cleaned):
        self.token, self.raw = create_token(actor=self.user, user=self.user, **cleaned)
