"""The company a staff page works in: chosen in the header, kept in the session."""

from ardoise.core.models import Company
from ardoise.core.tenancy import user_companies

SESSION_KEY = "ardoise_company_id"


def current_company(request, companies: list[Company] | None = None) -> Company | None:
    if companies is None:
        companies = list(user_companies(request.user))
    wanted = request.session.get(SESSION_KEY)
    for company in companies:
        if company.pk == wanted:
            return company
    return companies[0] if companies else None
