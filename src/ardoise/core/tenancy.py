"""The one choke point for tenancy: every object a user touches is fetched through here,
scoped to the companies the user belongs to, and every action is checked against the role
table."""

from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from .models import Company, Membership
from .roles import Action, role_may


def user_companies(user) -> models.QuerySet[Company]:
    if not getattr(user, "is_authenticated", False):
        return Company.objects.none()
    return Company.objects.filter(memberships__user=user).distinct()


def role_of(user, company: Company | int) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    company_id = company.pk if isinstance(company, Company) else company
    cache = getattr(user, "_ardoise_roles", None)
    if cache is None:
        cache = dict(Membership.objects.filter(user=user).values_list("company_id", "role"))
        user._ardoise_roles = cache
    return cache.get(company_id)


def can(user, company: Company | int, action: Action) -> bool:
    return role_may(role_of(user, company), action)


def require(user, company: Company | int, action: Action) -> None:
    """Raise PermissionDenied (HTTP 403) unless the user's role in the company allows it."""
    if not can(user, company, action):
        raise PermissionDenied(f"Your role does not allow this action ({action.value}).")


def scoped[M: models.Model](
    queryset: models.QuerySet[M] | models.Manager[M], user
) -> models.QuerySet[M]:
    """Restrict a queryset of company-owned rows to the user's companies."""
    return queryset.filter(company__in=user_companies(user))


def get_scoped[M: models.Model](
    queryset: models.QuerySet[M] | models.Manager[M], user, pk, action: Action = Action.VIEW
) -> M:
    """Fetch one company-owned row the user may act on: 404 if it is outside the user's
    companies (so ids of other tenants are not disclosed), 403 if the role forbids it."""
    # The stubs type `M` as a bare Model, which declares neither DoesNotExist nor company_id;
    # every concrete model passed here has both.
    model = cast(Any, queryset.model)
    try:
        obj = scoped(queryset, user).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError) as error:
        raise Http404(f"No {queryset.model._meta.verbose_name} with id {pk}.") from error
    require(user, cast(Any, obj).company_id, action)
    return obj


def company_for(user, company_id: int | None, action: Action = Action.VIEW) -> Company:
    """The company a creation targets: the given one if the user belongs to it, else the
    user's only company."""
    from .errors import InvalidInput

    companies = list(user_companies(user))
    company: Company | None
    if company_id is None:
        if len(companies) == 1:
            company = companies[0]
        else:
            raise InvalidInput.single(
                "company", "required", "You belong to several companies: give `company`."
            )
    else:
        company = next((c for c in companies if c.pk == company_id), None)
        if company is None:
            raise InvalidInput.single(
                "company", "unknown", f"No company with id {company_id} is yours."
            )
    require(user, company, action)
    return company
