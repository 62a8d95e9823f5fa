"""Staff pages: the company a page works in (chosen in the header, kept in the session) and
the decorator that gives views their company and checks the role."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .models import Company
from .roles import Action
from .tenancy import require, user_companies

SESSION_KEY = "ardoise_company_id"


def current_company(request, companies: list[Company] | None = None) -> Company | None:
    if companies is None:
        companies = list(user_companies(request.user))
    wanted = request.session.get(SESSION_KEY)
    for company in companies:
        if company.pk == wanted:
            return company
    return companies[0] if companies else None


def company_view(action: Action = Action.VIEW) -> Callable:
    """Decorate a view `view(request, company, ...)`: login required, the current company
    passed in, 403 unless the user's role there allows `action`."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            company = current_company(request)
            if company is None:
                raise PermissionDenied("You belong to no company.")
            require(request.user, company, action)
            return view(request, company, *args, **kwargs)

        return wrapper

    return decorator
