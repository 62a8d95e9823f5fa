from ardoise.core.tenancy import role_of, user_companies


def ardoise_context(request):
    """The user's companies and the one selected in the session, for the page header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from .current import current_company

    companies = list(user_companies(user))
    company = current_company(request, companies)
    return {
        "companies": companies,
        "current_company": company,
        "current_role": role_of(user, company) if company else None,
    }
