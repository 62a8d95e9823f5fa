from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from ardoise.core.roles import Action, Role, role_may
from ardoise.core.tenancy import role_of, user_companies
from ardoise.core.web import current_company

# (url name, label, action needed to see the entry)
NAVIGATION = [
    ("invoices:list", _("Invoices"), Action.VIEW),
    ("customers:list", _("Customers"), Action.VIEW),
    ("payments:list", _("Payments"), Action.VIEW),
    ("reporting:aged-balance", _("Aged balance"), Action.VIEW),
    ("ledger:periods", _("Periods"), Action.CLOSE_PERIODS),
    ("products:list", _("Products"), Action.VIEW),
    ("products:tax-codes", _("Tax codes"), Action.VIEW),
    ("audit:list", _("Audit trail"), Action.VIEW_AUDIT),
    ("companies:settings", _("Settings"), Action.MANAGE_COMPANY),
]


def ardoise_context(request):
    """The user's companies, the current one and the navigation, for every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    companies = list(user_companies(user))
    company = current_company(request, companies)
    role = role_of(user, company) if company else None
    nav_items = []
    for name, label, action in NAVIGATION:
        if not role_may(role, action):
            continue
        try:
            nav_items.append({"url": reverse(name), "label": label})
        except NoReverseMatch:
            continue
    return {
        "companies": companies,
        "current_company": company,
        "current_role": role,
        "current_role_label": Role(role).label if role else "",
        "nav_items": nav_items,
    }
