"""Batch issue in two phases: the same documents as one issue at a time, numbered 1..N in
the order given, refusals taking no number, PDFs archived after the numbers (on demand or by
`archive-pdfs` when a crash left one out), and an audit trail that verifies."""

import hashlib
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from ardoise.audit.models import AuditEvent
from ardoise.audit.verify import verify_all
from ardoise.core.errors import Conflict, InvalidInput
from ardoise.core.models import DocumentSequence
from ardoise.invoicing import documents, services
from ardoise.invoicing.models import Invoice
from ardoise.invoicing.services import batch
from ardoise.invoicing.services.issuing import _words

from .factories import CustomerFactory
from .test_invoicing_concurrency import make_drafts, run_threads
from .test_invoicing_services import customer, make_draft, media_root, vat20

__all__ = ["customer", "media_root", "vat20"]

# Set when a batch writes them; the rest must be what one issue at a time stores.
PER_DOCUMENT = {"id", "number", "sequence_number", "pdf", "pdf_sha256", "issued_at"}
PER_DOCUMENT |= {"created_at", "updated_at"}


def stored(invoice):
    row = Invoice.objects.filter(pk=invoice.pk).values().get()
    return {key: value for key, value in row.items() if key not in PER_DOCUMENT}


def file_sha256(invoice):
    with default_storage.open(invoice.pdf.name, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def rerendered_sha256(invoice):
    invoice = Invoice.objects.select_related("credited_invoice").get(pk=invoice.pk)
    document = documents.issued_pdf_document(invoice, list(invoice.lines.all()), _words(invoice))
    return documents.render(document)[1]


def test_batch_of_30_equals_one_issue_at_a_time(company, clerk, customer, vat20):
    drafts = [make_draft(company, clerk, customer, amount=str(n + 1)) for n in range(30)]
    twin = make_draft(company, clerk, customer, amount="30")

    issued = services.issue_many(drafts, actor=clerk, chunk_size=7)
    services.issue_invoice(twin, actor=clerk)

    assert [i.pk for i in issued] == [d.pk for d in drafts]
    assert [i.sequence_number for i in issued] == list(range(1, 31))
    assert [i.number for i in issued] == [Invoice.objects.get(pk=d.pk).number for d in drafts]
    assert stored(issued[-1]) == stored(twin)
    for invoice in [*issued, Invoice.objects.get(pk=twin.pk)]:
        assert invoice.pdf_sha256 == file_sha256(invoice) == rerendered_sha256(invoice)
    assert verify_all()[1] == []
    actions = list(
        AuditEvent.objects.filter(object_id=str(drafts[4].pk), object_type="invoicing.invoice")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["invoice.create", "invoice.issue", "invoice.archive"]


def test_refused_draft_in_the_middle_takes_no_number(company, clerk, customer, vat20):
    anonymous = CustomerFactory(company=company, code="C-NOID", identifiers={})
    drafts = [make_draft(company, clerk, customer) for _ in range(5)]
    drafts.insert(2, make_draft(company, clerk, anonymous))
    failures = []

    issued = services.issue_many(drafts, actor=clerk, failures=failures)

    assert [i.sequence_number for i in issued] == [1, 2, 3, 4, 5]
    assert [f[0].pk for f in failures] == [drafts[2].pk]
    assert Invoice.objects.get(pk=drafts[2].pk).status == "draft"
    assert DocumentSequence.objects.get(company=company, kind="invoice").last_number == 5
    assert verify_all()[1] == []


def test_first_refusal_without_failures_rolls_back_its_chunk(company, clerk, customer, vat20):
    anonymous = CustomerFactory(company=company, code="C-NOID", identifiers={})
    drafts = [make_draft(company, clerk, customer) for _ in range(4)]
    drafts.insert(3, make_draft(company, clerk, anonymous))

    with pytest.raises(InvalidInput):
        services.issue_many(drafts, actor=clerk, chunk_size=2)

    numbers = Invoice.objects.filter(status="issued").values_list("sequence_number", flat=True)
    assert sorted(numbers) == [1, 2]
    assert Invoice.objects.filter(status="issued", pdf_sha256="").count() == 0


def test_documents_needing_approval_are_refused(company, clerk, customer, vat20):
    company.approval_mode = "always"
    company.save()
    drafts = [make_draft(company, clerk, customer) for _ in range(3)]
    failures = []

    issued = services.issue_many(drafts, actor=clerk, failures=failures)

    assert issued == []
    assert [type(f[1]) for f in failures] == [Conflict] * 3
    assert all("approval" in str(f[1]) for f in failures)
    assert not DocumentSequence.objects.filter(company=company, last_number__gt=0).exists()


def test_missing_pdf_is_archived_by_its_first_reader(company, clerk, customer, vat20, clerk_api):
    invoice = services.issue_many([make_draft(company, clerk, customer)], actor=clerk)[0]
    digest = invoice.pdf_sha256
    default_storage.delete(invoice.pdf.name)
    Invoice.objects.filter(pk=invoice.pk).update(pdf="", pdf_sha256="")  # a crash between phases

    response = clerk_api.get(f"/invoices/{invoice.pk}/pdf")

    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == digest
    assert Invoice.objects.get(pk=invoice.pk).pdf_sha256 == digest
    assert clerk_api.get(f"/invoices/{invoice.pk}/pdf").content == response.content
    assert AuditEvent.objects.filter(action="invoice.archive").count() == 2
    assert verify_all()[1] == []


def test_archive_pdfs_command_archives_what_a_crash_left_out(company, clerk, customer, vat20):
    issued = services.issue_many(
        [make_draft(company, clerk, customer) for _ in range(3)], actor=clerk
    )
    digests = [i.pdf_sha256 for i in issued]
    Invoice.objects.filter(pk__in=[i.pk for i in issued[1:]]).update(pdf="", pdf_sha256="")

    call_command("archive_pdfs")

    after = [Invoice.objects.get(pk=i.pk) for i in issued]
    assert [i.pdf_sha256 for i in after] == digests
    assert all(file_sha256(i) == i.pdf_sha256 for i in after)
    call_command("archive_pdfs")  # nothing left: nothing written twice
    assert AuditEvent.objects.filter(action="invoice.archive").count() == 5


@pytest.mark.django_db(transaction=True)
def test_batch_renders_on_worker_processes(monkeypatch, settings, tmp_path):
    monkeypatch.setattr(batch, "POOL_MINIMUM", 1)
    company, clerk, ids = make_drafts(12)
    drafts = list(Invoice.objects.filter(pk__in=ids).order_by("id"))

    issued = services.issue_many(drafts, actor=clerk, workers=2, chunk_size=5)

    assert [i.sequence_number for i in issued] == list(range(1, 13))
    assert all(file_sha256(i) == i.pdf_sha256 == rerendered_sha256(i) for i in issued)
    assert verify_all()[1] == []


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_batch_and_single_issues_race_gaplessly():
    company, clerk, ids = make_drafts(240)
    batch_ids, single_ids = ids[:160], ids[160:]

    def work(part):
        actor = get_user_model().objects.get(pk=clerk.pk)
        if part == ["batch"]:
            drafts = list(Invoice.objects.filter(pk__in=batch_ids).order_by("id"))
            services.issue_many(drafts, actor=actor, chunk_size=40, workers=1)
        else:
            for pk in part:
                services.issue_invoice(Invoice(pk=pk, company_id=company.pk), actor=actor)

    errors: list[BaseException] = []
    threads = []
    for part in (["batch"], single_ids[0::2], single_ids[1::2]):

        def target(part=part):
            try:
                work(part)
            except BaseException as error:  # noqa: BLE001 - reported to the test
                errors.append(error)
            finally:
                connection.close()

        threads.append(threading.Thread(target=target))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    numbers = sorted(
        Invoice.objects.filter(company=company).values_list("sequence_number", flat=True)
    )
    assert numbers == list(range(1, 241))
    assert not Invoice.objects.filter(company=company, pdf_sha256="").exists()
    assert verify_all()[1] == []


__all__ += ["run_threads"]
