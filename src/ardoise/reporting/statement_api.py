"""Customer statements over HTTP: `GET /customers/{id}/statement` as JSON, PDF, CSV or Excel,
and `POST /customers/{id}/statement/send` to email it to the customer's billing contact."""

import datetime
from decimal import Decimal
from typing import Literal

from django.http import HttpResponse
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from ardoise.core.roles import Action
from ardoise.core.tenancy import get_scoped
from ardoise.parties.models import Customer

from . import services
from .statement_files import FORMATS, statement_file
from .statements import Statement, check_period, customer_statement

router = Router(tags=["statements"])


class PeriodQuery(Schema):
    # Optional in the schema so that a missing date gets the same clear 422 as a bad one.
    date_from: datetime.date | None = Field(None, alias="from")
    date_to: datetime.date | None = Field(None, alias="to")
    format: Literal["json", "pdf", "csv", "xlsx"] = "json"


class PeriodIn(Schema):
    date_from: datetime.date | None = Field(None, alias="from")
    date_to: datetime.date | None = Field(None, alias="to")
    language: str | None = None


class CustomerRef(Schema):
    id: int
    code: str
    name: str


class MovementOut(Schema):
    date: datetime.date
    kind: str
    reference: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


class OpenItemOut(Schema):
    document_date: datetime.date
    kind: str
    reference: str
    due_date: datetime.date | None
    amount: Decimal
    residual: Decimal
    age_days: int
    days_overdue: int


class AgingOut(Schema):
    buckets: list[str]
    amounts: list[Decimal]
    total: Decimal


class StatementOut(Schema):
    customer: CustomerRef
    currency: str
    date_from: datetime.date = Field(serialization_alias="from")
    date_to: datetime.date = Field(serialization_alias="to")
    opening_balance: Decimal
    movements: list[MovementOut]
    total_debit: Decimal
    total_credit: Decimal
    closing_balance: Decimal
    open_items: list[OpenItemOut]
    aging: AgingOut
    unapplied_credit: Decimal


class SentOut(Schema):
    recipient: str
    language: str
    pdf_sha256: str
    closing_balance: Decimal
    currency: str


def _as_json(statement: Statement) -> dict:
    return {
        "customer": {
            "id": statement.customer_id,
            "code": statement.customer_code,
            "name": statement.customer.name,
        },
        "currency": statement.currency,
        "date_from": statement.date_from,
        "date_to": statement.date_to,
        "opening_balance": statement.opening_balance,
        "movements": list(statement.movements),
        "total_debit": statement.total_debit,
        "total_credit": statement.total_credit,
        "closing_balance": statement.closing_balance,
        "open_items": list(statement.open_items),
        "aging": {
            "buckets": list(statement.aging.labels),
            "amounts": list(statement.aging.amounts),
            "total": statement.aging.total,
        },
        "unapplied_credit": statement.unapplied_credit,
    }


def _file(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get("/customers/{customer_id}/statement", response=StatementOut, by_alias=True)
def statement(request, customer_id: int, query: Query[PeriodQuery]):
    """The customer's statement for a period: `from` and `to` (YYYY-MM-DD) both required."""
    customer = get_scoped(Customer.objects.select_related("company"), request.user, customer_id)
    date_from, date_to = check_period(query.date_from, query.date_to)
    result = customer_statement(customer, date_from=date_from, date_to=date_to)
    if query.format in FORMATS:
        content, content_type, name = statement_file(result, customer.code, query.format)
        return _file(content, content_type, name)
    return _as_json(result)


@router.post("/customers/{customer_id}/statement/send", response={202: SentOut})
def send(request, customer_id: int, body: PeriodIn):
    """Email the statement (PDF attached) to the customer's billing contact."""
    customer = get_scoped(
        Customer.objects.select_related("company"), request.user, customer_id, Action.ALLOCATE
    )
    date_from, date_to = check_period(body.date_from, body.date_to)
    sent = services.send_statement(
        customer,
        actor=request.user,
        date_from=date_from,
        date_to=date_to,
        language=body.language,
    )
    return Status(202, sent)
