"""The customer's history: the statement sent lands on it with its audit record; clerks log
calls, visits and notes on the page and through the API; the auditor reads but writes
nothing; bad input and other companies' customers change nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ardoise.audit.models import AuditEvent
from ardoise.core.errors import InvalidInput
from ardoise.parties.history import add_customer_event, record_customer_event
from ardoise.parties.models import AppendOnlyError, Contact, CustomerEvent
from ardoise.reporting.services import send_statement

from .factories import CustomerFactory, member

FROM, TO = datetime.date(2026, 2, 1), datetime.date(2026, 3, 31)


@pytest.fixture
def customer(company):
    return CustomerFactory(company=company, code="C-LYON", email="info@lyon.example")


@pytest.fixture
def contact(company, customer):
    return Contact.objects.create(
        company=company, customer=customer, name="Anne Roux", roles=["billing"], email="a@x.fr"
    )


def nothing_written():
    return (
        not CustomerEvent.objects.exists()
        and not AuditEvent.objects.filter(action="customer.event.add").exists()
    )


# --- statement sent ------------------------------------------------------------------------


def test_sending_the_statement_writes_it_on_the_history_with_its_audit_record(
    customer, contact, clerk, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send_statement(customer, actor=clerk, date_from=FROM, date_to=TO)
    event = CustomerEvent.objects.get()
    audit = AuditEvent.objects.get(action="statement.send")
    assert (event.kind, event.channel, event.actor, event.customer) == (
        "statement_sent",
        "email",
        clerk,
        customer,
    )
    assert event.details["date_from"] == "2026-02-01"
    assert event.details["date_to"] == "2026-03-31"
    assert event.details["recipient"] == "a@x.fr"
    assert event.details["format"] == "pdf"
    assert event.details["audit_event"] == audit.pk
    assert "2026-02-01" in event.summary and "a@x.fr" in event.summary
    assert AuditEvent.objects.filter(action="customer.event.add", object_id=str(event.pk)).exists()
    assert len(mailoutbox) == 1


def test_a_refused_send_leaves_no_history(customer, clerk, mailoutbox):
    customer.email = ""
    customer.save()
    with pytest.raises(InvalidInput):
        send_statement(customer, actor=clerk, date_from=FROM, date_to=TO)
    assert nothing_written()


# --- the service -----------------------------------------------------------------------------


def test_a_call_is_logged_with_the_contact_and_audited(customer, contact, clerk):
    at = timezone.now() - datetime.timedelta(days=1)
    event = add_customer_event(
        customer,
        actor=clerk,
        kind="call",
        summary="  Promised to pay Friday ",
        at=at,
        contact=contact,
    )
    assert (event.channel, event.summary, event.contact_name, event.at) == (
        "phone",
        "Promised to pay Friday",
        "Anne Roux",
        at,
    )
    audit = AuditEvent.objects.get(action="customer.event.add")
    assert audit.after["kind"] == "call" and audit.after["customer"] == "C-LYON"


def test_history_is_append_only(customer, clerk):
    event = add_customer_event(customer, actor=clerk, kind="note", summary="Moved offices")
    event.summary = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_removing_a_contact_keeps_the_entry_readable(customer, contact, clerk):
    event = add_customer_event(customer, actor=clerk, kind="visit", summary="Met", contact=contact)
    contact.delete()
    event = CustomerEvent.objects.get(pk=event.pk)
    assert (event.contact, event.contact_name) == (None, "Anne Roux")


@pytest.mark.parametrize(
    ("given", "fields"),
    [
        ({"kind": "call", "summary": "   "}, {"summary"}),
        ({"kind": "gossip", "summary": "x"}, {"kind"}),
        ({"kind": "statement_sent", "summary": "x"}, {"kind"}),  # only the action writes it
        ({"kind": "note", "summary": "x", "channel": "pigeon"}, {"channel"}),
        (
            {"kind": "call", "summary": "x", "at": timezone.now() + datetime.timedelta(days=2)},
            {"at"},
        ),
        ({"kind": "nope", "summary": ""}, {"kind", "summary"}),
    ],
)
def test_bad_input_is_refused_naming_the_fields_and_writes_nothing(customer, clerk, given, fields):
    with pytest.raises(InvalidInput) as error:
        add_customer_event(customer, actor=clerk, **given)
    assert {e.field for e in error.value.errors} == fields
    assert nothing_written()


def test_another_customers_contact_is_refused(company, customer, clerk):
    stranger = CustomerFactory(company=company)
    other = Contact.objects.create(company=company, customer=stranger, name="Bob")
    with pytest.raises(InvalidInput) as error:
        add_customer_event(customer, actor=clerk, kind="call", summary="x", contact=other)
    assert error.value.errors[0].field == "contact"
    assert nothing_written()


def test_the_auditor_may_not_log(customer, auditor):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        add_customer_event(customer, actor=auditor, kind="note", summary="x")
    assert nothing_written()


def test_other_actions_write_their_own_kinds(customer):
    event = record_customer_event(
        customer,
        actor=None,
        kind="letter",
        summary="Reminder level 1 posted",
        source_type="collections.reminder",
        source_id=7,
        source_label="R-2026-0007",
    )
    assert (event.actor, event.channel, event.source_id) == (None, "post", 7)


# --- pages -----------------------------------------------------------------------------------


def test_the_customer_page_shows_the_newest_entries_and_links_to_the_rest(client, customer, clerk):
    for n in range(12):
        add_customer_event(
            customer,
            actor=clerk,
            kind="note",
            summary=f"note {n}",
            at=timezone.now() - datetime.timedelta(hours=12 - n),
        )
    client.force_login(clerk)
    response = client.get(reverse("customers:detail", args=[customer.pk]))
    assert response.status_code == 200
    shown = [event.summary for event in response.context["events"]]
    assert shown == [f"note {n}" for n in range(11, 1, -1)]
    assert response.context["more_events"]
    assert reverse("customers:history", args=[customer.pk]) in response.content.decode()
    page = client.get(reverse("customers:history", args=[customer.pk]))
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 12


def test_the_customer_page_reads_its_history_in_one_query(
    client, customer, clerk, django_assert_max_num_queries
):
    for n in range(5):
        add_customer_event(customer, actor=clerk, kind="note", summary=f"n{n}")
    client.force_login(clerk)
    url = reverse("customers:detail", args=[customer.pk])
    client.get(url)
    with django_assert_max_num_queries(12) as captured:
        client.get(url)
    history = [q for q in captured.captured_queries if "parties_customerevent" in q["sql"]]
    assert len(history) == 1


def test_a_clerk_logs_a_call_on_the_page(client, customer, contact, clerk):
    client.force_login(clerk)
    response = client.post(
        reverse("customers:history-add", args=[customer.pk]),
        {"kind": "call", "at": "", "contact": str(contact.pk), "summary": "Will pay on the 15th"},
    )
    assert response.status_code == 302
    event = CustomerEvent.objects.get()
    assert (event.kind, event.contact, event.actor) == ("call", contact, clerk)
    page = client.get(reverse("customers:detail", args=[customer.pk]))
    assert "Will pay on the 15th" in page.content.decode()


def test_the_page_form_shows_errors_and_writes_nothing(client, customer, clerk):
    client.force_login(clerk)
    future = (timezone.localtime() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("customers:history-add", args=[customer.pk]),
        {"kind": "call", "at": future, "summary": ""},
    )
    assert response.status_code == 422
    assert set(response.context["event_form"].errors) == {"at", "summary"}
    assert nothing_written()


def test_the_auditor_sees_the_history_but_no_form_and_cannot_post(client, customer, auditor):
    client.force_login(auditor)
    page = client.get(reverse("customers:detail", args=[customer.pk]))
    assert page.status_code == 200
    assert reverse("customers:history-add", args=[customer.pk]) not in page.content.decode()
    response = client.post(
        reverse("customers:history-add", args=[customer.pk]), {"kind": "note", "summary": "x"}
    )
    assert response.status_code == 403
    assert nothing_written()


def test_another_companys_customer_is_not_found_on_the_pages(client, other_company, clerk):
    stranger = CustomerFactory(company=other_company)
    client.force_login(clerk)
    assert client.get(reverse("customers:history", args=[stranger.pk])).status_code == 404
    response = client.post(
        reverse("customers:history-add", args=[stranger.pk]), {"kind": "note", "summary": "x"}
    )
    assert response.status_code == 404
    assert nothing_written()


# --- API -------------------------------------------------------------------------------------


def url(customer):
    return f"/customers/{customer.pk}/history"


def test_the_api_logs_a_note_and_lists_the_history_with_a_cursor(
    customer, contact, clerk, clerk_api
):
    response = clerk_api.post(
        url(customer), {"kind": "visit", "summary": "Visited the warehouse", "contact": contact.pk}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["channel"], body["contact_name"], body["actor"]) == (
        "visit",
        "in_person",
        "Anne Roux",
        "clerk",
    )
    for n in range(3):
        add_customer_event(customer, actor=clerk, kind="note", summary=f"n{n}")
    first = clerk_api.get(url(customer), limit=2).json()
    assert [item["summary"] for item in first["items"]] == ["n2", "n1"]
    rest = clerk_api.get(url(customer), limit=2, cursor=first["next_cursor"]).json()
    assert [item["summary"] for item in rest["items"]] == ["n0", "Visited the warehouse"]
    assert rest["next_cursor"] is None
    visits = clerk_api.get(url(customer), kind="visit").json()["items"]
    assert [item["kind"] for item in visits] == ["visit"]


def test_the_api_refuses_bad_input_naming_the_fields(customer, clerk_api):
    response = clerk_api.post(url(customer), {"kind": "gossip", "summary": ""})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"kind", "summary"}
    future = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    response = clerk_api.post(url(customer), {"kind": "call", "summary": "x", "at": future})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "at"
    assert nothing_written()


def test_the_api_auditor_reads_but_may_not_write(customer, auditor, api_as, clerk):
    add_customer_event(customer, actor=clerk, kind="note", summary="seen")
    api = api_as(auditor)
    assert [i["summary"] for i in api.get(url(customer)).json()["items"]] == ["seen"]
    response = api.post(url(customer), {"kind": "note", "summary": "x"})
    assert response.status_code == 403
    assert CustomerEvent.objects.count() == 1


def test_the_api_does_not_find_another_companys_customer(other_company, clerk_api):
    stranger = CustomerFactory(company=other_company)
    assert clerk_api.get(url(stranger)).status_code == 404
    assert clerk_api.post(url(stranger), {"kind": "note", "summary": "x"}).status_code == 404
    assert nothing_written()


def test_an_accountant_may_log(company, customer, api_as):
    api = api_as(member(company, "accountant"))
    assert api.post(url(customer), {"kind": "note", "summary": "ok"}).status_code == 201
