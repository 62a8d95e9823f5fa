"""Payment terms: net N days, end of month, or end of month + N days."""

import calendar
import datetime


def end_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def due_date(issue_date: datetime.date, days: int, end_of_month_terms: bool) -> datetime.date:
    """Net N: issue + N days. End of month (+ N): the last day of the issue month, + N days."""
    if end_of_month_terms:
        return end_of_month(issue_date) + datetime.timedelta(days=days)
    return issue_date + datetime.timedelta(days=days)
