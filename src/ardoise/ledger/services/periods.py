"""Closing and reopening accounting months: nothing can be dated in a closed month."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ardoise.audit.services import record
from ardoise.core.errors import Conflict, InvalidInput
from ardoise.core.models import Company
from ardoise.core.roles import Action
from ardoise.core.tenancy import require

from ..models import ClosedPeriod


def _month(year, month) -> tuple[int, int]:
    try:
        year, month = int(year), int(month)
    except (TypeError, ValueError) as error:
        raise InvalidInput.single("month", "invalid", _("Give a year and a month.")) from error
    if not 1 <= month <= 12:
        raise InvalidInput.single("month", "invalid", _("A month is between 1 and 12."))
    if not 1900 <= year <= 9999:
        raise InvalidInput.single("year", "invalid", _("Give a four-digit year."))
    return year, month


def close_period(company: Company, *, actor, year, month) -> ClosedPeriod:
    require(actor, company, Action.CLOSE_PERIODS)
    year, month = _month(year, month)
    with transaction.atomic():
        if ClosedPeriod.objects.filter(company=company, year=year, month=month).exists():
            raise Conflict(_("This period is already closed."), field="month", rule="closed")
        try:
            with transaction.atomic():
                period = ClosedPeriod.objects.create(
                    company=company, year=year, month=month, closed_by=actor
                )
        except IntegrityError as error:
            raise Conflict(
                _("This period is already closed."), field="month", rule="closed"
            ) from error
        record(
            actor=actor,
            action="ledger.period.close",
            obj=period,
            after={"year": year, "month": month},
        )
        return period


def reopen_period(company: Company, *, actor, year, month) -> None:
    require(actor, company, Action.CLOSE_PERIODS)
    year, month = _month(year, month)
    with transaction.atomic():
        period = (
            ClosedPeriod.objects.select_for_update()
            .filter(company=company, year=year, month=month)
            .first()
        )
        if period is None:
            raise Conflict(_("This period is not closed."), field="month", rule="not_closed")
        record(
            actor=actor,
            action="ledger.period.reopen",
            obj=period,
            before={"year": year, "month": month},
        )
        period.delete()
