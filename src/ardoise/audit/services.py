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


def _event_fields(
    head: AuditChainHead,
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
) -> dict:
    """The next event of a locked chain head, hashed; the head is moved forward in memory."""
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    fields = {
        "chain": head.chain,
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
    fields["hash"] = event_hash(**fields)
    fields["company_id"] = company_id
    head.length = fields["position"]
    head.last_hash = fields["hash"]
    return fields


def _resolve(event: dict) -> dict:
    """Fill object_type/id/repr and company_id from `obj`, as `record` documents."""
    event = dict(event)
    obj = event.pop("obj", None)
    if obj is not None:
        event["object_type"] = event.get("object_type") or obj._meta.label_lower
        event["object_id"] = event.get("object_id") or str(obj.pk)
        event["object_repr"] = event.get("object_repr") or str(obj)[:200]
        if event.get("company_id") is None:
            event["company_id"] = getattr(obj, "company_id", None)
    return event


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
    event = _resolve(
        {
            "obj": obj,
            "company_id": company_id,
            "object_type": object_type,
            "object_id": object_id,
            "object_repr": object_repr,
        }
    )
    head = _locked_head(chain_name(event["company_id"]))
    fields = _event_fields(
        head,
        actor=actor,
        action=action,
        before=before,
        after=after,
        company_id=event["company_id"],
        object_type=event["object_type"],
        object_id=event["object_id"],
        object_repr=event["object_repr"],
    )
    created = AuditEvent.objects.create(**fields)
    head.save(update_fields=["length", "last_hash"])
    return created


def record_many(events: list[dict]) -> list[AuditEvent]:
    """Append several events (each a dict of `record`'s keyword arguments), in the order given.

    Each chain head is locked once (chains in name order, so two batches never deadlock), the
    hashes are chained in memory exactly as `record` would chain them one by one, and the
    events are inserted in one statement per chain: the verifier cannot tell the difference.
    Must run inside the action's transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record_many must run inside the action's transaction")
    resolved = [_resolve(event) for event in events]
    chains = sorted({chain_name(event.get("company_id")) for event in resolved})
    heads = {chain: _locked_head(chain) for chain in chains}
    rows = [
        AuditEvent(**_event_fields(heads[chain_name(event.get("company_id"))], **event))
        for event in resolved
    ]
    # Insertion order is id order, which is the order the verifier walks a chain in.
    created = AuditEvent.objects.bulk_create(rows, batch_size=500)
    for head in heads.values():
        head.save(update_fields=["length", "last_hash"])
    return created
