import datetime

from django.core.paginator import Paginator
from django.shortcuts import render

from ardoise.core.roles import Action
from ardoise.core.web import company_view

from .queries import distinct_actions, filtered_events
from .services import chain_name
from .verify import verify_chain


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@company_view(Action.VIEW_AUDIT)
def event_list(request, company):
    params = request.GET
    events = filtered_events(
        company.pk,
        action=params.get("action", ""),
        object_type=params.get("object_type", ""),
        object_id=params.get("object_id", ""),
        actor=params.get("actor", ""),
        date_from=_date(params.get("from", "")),
        date_to=_date(params.get("to", "")),
    )
    page = Paginator(events, 50).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/list.html",
        {
            "page": page,
            "actions": distinct_actions(company.pk),
            "filters": params,
            "query": query.urlencode(),
        },
    )


@company_view(Action.VIEW_AUDIT)
def verify(request, company):
    problem = verify_chain(chain_name(company.pk))
    return render(request, "audit/verify.html", {"problem": problem})
