"""Read side of the audit trail: the filtered list an auditor reads."""

import datetime

from django.db.models import QuerySet

from .models import AuditEvent


def filtered_events(
    company_id: int,
    *,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    actor: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(company_id=company_id).select_related("actor")
    if action:
        events = events.filter(action__startswith=action)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if actor:
        events = events.filter(actor_label__icontains=actor)
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    return events.order_by("-id")


def distinct_actions(company_id: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(company_id=company_id)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )
