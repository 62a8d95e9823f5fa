"""Writing to the audit trail. Call `record` inside the transaction of the action it records."""

import datetime
import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
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
    try:
        return _plain(value)
    except _Unusual:
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))


class _Unusual(Exception):
    """A value `_plain` leaves to the JSON round trip."""


_AS_IS = (str, int, bool, type(None))


def _plain(value: Any) -> Any:
    """`json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))` for the values
    snapshots hold (str keys; str, int, bool, None, Decimal, date, lists, tuples), without
    the text in between: the same values, dicts in sorted key order. Exact types only (a
    str subclass or a float goes the long way), so the result cannot differ."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is dict:
        if not all(type(key) is str for key in value):
            raise _Unusual
        return {key: _plain(value[key]) for key in sorted(value)}
    if kind is Decimal:
        return str(value)
    if kind is datetime.date:
        return value.isoformat()
    if kind is list or kind is tuple:
        return [_plain(item) for item in value]
    raise _Unusual


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
    created = insert_rows(rows)
    for head in heads.values():
        head.save(update_fields=["length", "last_hash"])
    return created


# From this many rows on, PostgreSQL gets them by COPY (fewer are not worth the extra query).
COPY_FROM = 100


def insert_rows[Row: models.Model](rows: Sequence[Row]) -> list[Row]:
    """Insert new rows of one model, in order, as `bulk_create` would (each field's `pre_save`
    and database value, the primary keys set on the rows, ascending in the order given).
    On PostgreSQL many rows go by COPY with their ids drawn first from the table's sequence
    in one query: `bulk_create` spends more time compiling its INSERT and quoting its
    arrays than the database spends storing them. Inside the caller's transaction."""
    if not rows:
        return []
    model = type(rows[0])
    # The connection itself, not the `django.db.connection` proxy: its attributes are read
    # for every field of every row.
    connection = transaction.get_connection()
    if connection.vendor != "postgresql" or len(rows) < COPY_FROM:
        return model._default_manager.bulk_create(rows, batch_size=500)
    meta = model._meta
    assert meta.pk is not None
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in [meta.pk, *fields])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        ids = sorted(pk for (pk,) in cursor.fetchall())
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                row.pk = pk
                copy.write_row(
                    [pk]
                    + [
                        field.get_db_prep_save(field.pre_save(row, True), connection)
                        for field in fields
                    ]
                )
    for row in rows:
        row._state.adding = False
        row._state.db = connection.alias
    return list(rows)
