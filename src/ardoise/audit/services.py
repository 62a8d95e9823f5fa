"""Writing to the audit trail. Call `record` inside the transaction of the action it records."""

import datetime
import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def chain_name(company_id: int | None) -> str:
    return f"company:{company_id}" if company_id else "global"


def normalize(value: Any) -> Any:
    """JSON-ready form (Decimal, dates, UUIDs to strings) that survives a database round trip
    unchanged, so the hash can be recomputed from what is stored."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))


def event_hash(
    *,
    chain: str,
    position: int,
    prev_hash: str,
    at: datetime.datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    before: Any,
    after: Any,
) -> str:
    payload = {
        "chain": chain,
        "position": position,
        "prev_hash": prev_hash,
        "at": at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": object_repr,
        "before": before,
        "after": after,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _locked_head(chain: str) -> AuditChainHead:
    queryset = AuditChainHead.objects.select_for_update()
    head = queryset.filter(chain=chain).first()
    if head is not None:
        return head
    try:
        with transaction.atomic():
            AuditChainHead.objects.create(chain=chain)
    except IntegrityError:
        pass
    return queryset.get(chain=chain)


def record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    company_id: int | None = None,
    before: Any = None,
    after: Any = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEvent:
    """Append one event to the company's chain. Must run inside the action's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the action's transaction")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        if company_id is None:
            company_id = getattr(obj, "company_id", None)
    chain = chain_name(company_id)
    head = _locked_head(chain)
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    fields = {
        "chain": chain,
        "position": head.length + 1,
        "prev_hash": head.last_hash,
        # Microseconds only: what both SQLite and PostgreSQL store exactly.
        "at": timezone.now().replace(tzinfo=datetime.UTC),
        "actor_id": actor_id,
        "actor_label": (actor.get_username() if actor_id else "system")[:150],
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": object_repr[:200],
        "before": normalize(before),
        "after": normalize(after),
    }
    digest = event_hash(**fields)
    event = AuditEvent.objects.create(company_id=company_id, hash=digest, **fields)
    head.length = fields["position"]
    head.last_hash = digest
    head.save(update_fields=["length", "last_hash"])
    return event
