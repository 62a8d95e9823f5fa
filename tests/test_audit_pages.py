"""An auditor lists and filters the trail and verifies the chain; a clerk may not."""

from django.db import transaction
from django.test import Client

from ardoise.audit.services import record


def login(user):
    client = Client()
    client.force_login(user)
    return client


def add_events(company, actor):
    with transaction.atomic():
        record(actor=actor, action="customer.create", company_id=company.pk, object_id="1")
        record(actor=actor, action="invoice.issue", company_id=company.pk, object_id="7")


def test_auditor_lists_and_filters_the_trail(company, auditor, clerk):
    add_events(company, clerk)
    client = login(auditor)
    page = client.get("/audit/")
    assert page.status_code == 200
    assert b"customer.create" in page.content and b"invoice.issue" in page.content
    filtered = client.get("/audit/", {"action": "invoice."})
    assert b"invoice.issue" in filtered.content
    assert b"<code>customer.create</code>" not in filtered.content


def test_auditor_verifies_the_chain(company, auditor, clerk):
    add_events(company, clerk)
    page = login(auditor).get("/audit/verify/")
    assert b"The chain is intact." in page.content


def test_events_of_another_company_are_not_shown(company, other_company, auditor, clerk):
    with transaction.atomic():
        record(actor=clerk, action="secret.thing", company_id=other_company.pk)
    page = login(auditor).get("/audit/")
    assert b"secret.thing" not in page.content


def test_clerk_may_not_read_the_trail(company, clerk):
    assert login(clerk).get("/audit/").status_code == 403
