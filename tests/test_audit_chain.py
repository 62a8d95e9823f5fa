"""The audit trail is a hash chain: an edit, a deletion or a swap made directly in the
database is caught by the verifier, which names the first bad record."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from ardoise.audit.models import AuditEvent
from ardoise.audit.services import COPY_FROM, normalize, record, record_many
from ardoise.audit.verify import verify_all


@pytest.fixture
def five_events(company, clerk):
    events = []
    for n in range(5):
        with transaction.atomic():
            events.append(
                record(
                    actor=clerk,
                    action="customer.update",
                    company_id=company.pk,
                    object_type="parties.customer",
                    object_id=str(n),
                    before={"name": f"old {n}"},
                    after={"name": f"new {n}", "amount": "12.50"},
                )
            )
    return events


def run_sql(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def verify_command():
    call_command("verify_audit")


def test_intact_chain_verifies(five_events, capsys):
    verify_command()
    assert "intact" in capsys.readouterr().out
    assert verify_all()[1] == []


def test_edited_record_is_named(five_events):
    victim = five_events[2]
    run_sql(
        "UPDATE audit_auditevent SET after = %s WHERE id = %s",
        ['{"name": "forged", "amount": "12.50"}', victim.id],
    )
    _checked, problems = verify_all()
    assert len(problems) == 1
    assert problems[0].event_id == victim.id
    assert "edited" in problems[0].reason
    with pytest.raises(CommandError):
        verify_command()


def test_deleted_record_is_detected_at_the_next_one(five_events):
    run_sql("DELETE FROM audit_auditevent WHERE id = %s", [five_events[1].id])
    problems = verify_all()[1]
    assert problems[0].event_id == five_events[2].id


def test_deleting_the_newest_record_is_detected_by_the_head(five_events):
    run_sql("DELETE FROM audit_auditevent WHERE id = %s", [five_events[-1].id])
    problems = verify_all()[1]
    assert problems and "newest" in problems[0].reason


def test_swapped_records_are_detected(five_events):
    first, second = five_events[1], five_events[3]
    columns = "position, prev_hash, hash, object_id, before, after"
    rows = {}
    with connection.cursor() as cursor:
        for event in (first, second):
            cursor.execute(f"SELECT {columns} FROM audit_auditevent WHERE id = %s", [event.id])
            rows[event.id] = cursor.fetchone()
        # Move one row out of the way of the unique constraints, then swap the contents.
        cursor.execute(
            "UPDATE audit_auditevent SET position = 0, hash = 'tmp' WHERE id = %s", [first.id]
        )
        for target, source in ((second.id, first.id), (first.id, second.id)):
            values = rows[source]
            cursor.execute(
                "UPDATE audit_auditevent SET position=%s, prev_hash=%s, hash=%s, object_id=%s, "
                "before=%s, after=%s WHERE id = %s",
                [*values[:4], _json(values[4]), _json(values[5]), target],
            )
    problems = verify_all()[1]
    assert problems[0].event_id == first.id


def _json(value):
    import json

    return value if isinstance(value, str) else json.dumps(value)


def test_audit_events_refuse_orm_edits(five_events):
    event = AuditEvent.objects.get(pk=five_events[0].pk)
    event.action = "x"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused(company):
    with pytest.raises(RuntimeError):
        record(actor=None, action="x", company_id=company.pk)


def test_record_many_chains_exactly_as_record_and_interleaves(company, clerk, monkeypatch):
    import datetime

    from ardoise.audit import services as audit_services

    moment = datetime.datetime(2026, 11, 27, 9, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(audit_services.timezone, "now", lambda: moment)
    events = [
        {
            "actor": clerk,
            "action": "invoice.issue",
            "company_id": company.pk,
            "object_type": "invoicing.invoice",
            "object_id": str(n),
            "after": {"total": "12.50", "n": n},
        }
        for n in range(3)
    ]
    with transaction.atomic():
        sid = transaction.savepoint()
        one_by_one = [record(**event).hash for event in events]
        transaction.savepoint_rollback(sid)
        together = [event.hash for event in audit_services.record_many(events)]
        record(actor=clerk, action="x.single", company_id=company.pk)
        audit_services.record_many(events[:1] + [{**events[0], "company_id": None}])
    assert together == one_by_one
    assert verify_all() == (2, [])


# ----------------------------------------------------------------------------- fast paths

json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=8),
    st.decimals(allow_nan=False, places=4, min_value=-(10**6), max_value=10**6),
    st.dates(),
    st.datetimes(timezones=st.just(datetime.UTC)),
    st.floats(allow_nan=False),
    st.uuids(),
)
snapshots = st.recursive(
    json_leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.tuples(children, children),
        st.dictionaries(st.text(max_size=6), children, max_size=4),
        st.dictionaries(st.integers(0, 9), children, max_size=2),
    ),
    max_leaves=12,
)


@given(value=snapshots)
def test_property_normalize_is_the_json_round_trip(value):
    """`normalize` skips the text for the usual snapshot values: the result, key order
    included, is the round trip's (the hashes and the stored JSON depend on it)."""
    expected = json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))
    result = normalize(value)
    assert result == expected
    assert json.dumps(result) == json.dumps(expected)


@pytest.mark.django_db
def test_many_events_recorded_at_once_verify_and_hash_as_one_by_one(company, clerk):
    """Past `COPY_FROM` events PostgreSQL gets them by COPY: ids follow the chain, every
    hash verifies."""
    events = [
        {
            "actor": clerk,
            "action": "customer.update",
            "company_id": company.pk,
            "object_type": "parties.customer",
            "object_id": str(n),
            "after": {"amount": Decimal("12.50"), "day": datetime.date(2026, 1, n % 28 + 1)},
        }
        for n in range(COPY_FROM + 5)
    ]
    with transaction.atomic():
        created = record_many(events)
    stored = list(AuditEvent.objects.filter(company=company).order_by("id"))
    assert [event.pk for event in created] == [event.pk for event in stored]
    assert [event.position for event in stored] == list(range(1, COPY_FROM + 6))
    assert stored[3].after == {"amount": "12.50", "day": "2026-01-04"}
    assert verify_all()[1] == []
