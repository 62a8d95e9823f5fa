"""Staff pages of invoicing: list, draft editor with live totals, detail with the actions the
document's state and the user's role allow, archived PDF.

Views parse, authorize and call one service. Business refusals (InvalidInput, Conflict)
become messages or inline errors, never a 500. Every invoice is fetched within the current
company, so an id of another company is a 404 even for a user who belongs to both.
"""

import datetime
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ardoise.core.errors import BusinessError, Conflict, FieldError, InvalidInput
from ardoise.core.money import quantize
from ardoise.core.roles import Action
from ardoise.core.tenancy import can, get_scoped, scoped
from ardoise.core.web import company_view

from . import services
from .forms import (
    company_customers,
    company_products,
    company_tax_codes,
    errors_by_field,
    line_inputs,
    parse_invoice_form,
    rows_from_invoice,
    values_from_invoice,
)
from .models import DocumentKind, Invoice, Status
from .services.batch import ensure_pdf
from .totals import TotalsInputError, compute_totals, plain

PAGE_SIZE = 50
SORTS = {
    "number": ("number", "id"),
    "customer": ("customer__legal_name", "id"),
    "issue_date": ("issue_date", "id"),
    "due_date": ("due_date", "id"),
    "total": ("total", "id"),
    "status": ("status", "id"),
}


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _invoices(request, company):
    return scoped(Invoice.objects.filter(company=company), request.user).select_related("customer")


def _invoice(request, company, invoice_id: int, action: Action = Action.VIEW) -> Invoice:
    return get_scoped(_invoices(request, company), request.user, invoice_id, action)


def _money(amount, currency: str) -> Decimal:
    """An amount as the currency writes it (stored amounts carry four decimals)."""
    try:
        return quantize(amount, currency)
    except ValueError:
        return amount


def _price(value: Decimal, currency: str) -> Decimal:
    """A unit price with the currency's decimals, or more when it really has more."""
    money = _money(value, currency)
    return money if money == value else value.normalize()


def _business_error(request, error: BusinessError) -> None:
    for item in error.errors:
        messages.error(request, item.message)


# ----------------------------------------------------------------------------- list


def _filtered(request, company):
    params = request.GET
    invoices = _invoices(request, company)
    q = params.get("q", "").strip()
    if q:
        invoices = invoices.filter(
            Q(number__icontains=q)
            | Q(customer__legal_name__icontains=q)
            | Q(customer__trade_name__icontains=q)
            | Q(customer__code__icontains=q)
        )
    if params.get("status") in Status.values:
        invoices = invoices.filter(status=params["status"])
    if params.get("kind") in DocumentKind.values:
        invoices = invoices.filter(kind=params["kind"])
    if params.get("customer", "").isdigit():
        invoices = invoices.filter(customer_id=int(params["customer"]))
    if date_from := _date(params.get("from", "")):
        invoices = invoices.filter(issue_date__gte=date_from)
    if date_to := _date(params.get("to", "")):
        invoices = invoices.filter(issue_date__lte=date_to)
    return invoices


def _ordering(sort: str) -> list:
    """Order by a column; drafts (no number nor dates yet) come first when newest first."""
    name, tiebreak = SORTS[sort.lstrip("-")]
    if sort.startswith("-"):
        return [F(name).desc(nulls_first=True), f"-{tiebreak}"]
    return [F(name).asc(nulls_last=True), tiebreak]


@company_view(Action.VIEW)
def invoice_list(request, company):
    sort = request.GET.get("sort", "-issue_date")
    if sort.lstrip("-") not in SORTS:
        sort = "-issue_date"
    invoices = _filtered(request, company).order_by(*_ordering(sort))
    page = Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    columns = [
        ("number", _("Number"), ""),
        ("customer", _("Customer"), ""),
        ("issue_date", _("Issue date"), ""),
        ("due_date", _("Due date"), ""),
        ("total", _("Total"), "num"),
        ("status", _("Status"), ""),
    ]
    return render(
        request,
        "invoicing/list.html",
        {
            "page": page,
            "filters": request.GET,
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "sort": sort,
            "columns": columns,
            "statuses": Status.choices,
            "kinds": DocumentKind.choices,
            "customers": company_customers(company, request.user).order_by("legal_name"),
            "can_edit": can(request.user, company, Action.EDIT_INVOICES),
        },
    )


# ----------------------------------------------------------------------------- editor


def _form_context(request, company, *, values, rows, errors, invoice=None) -> dict:
    customers = company_customers(company, request.user).filter(
        Q(is_active=True) | Q(pk=getattr(invoice, "customer_id", None))
    )
    tax_codes = company_tax_codes(company, request.user).filter(is_active=True).order_by("code")
    products = list(company_products(company, request.user).filter(is_active=True).order_by("code"))
    for product in products:
        product.price_text = str(_price(product.unit_price, company.currency))
    by_field = errors_by_field(errors)
    row_items = [
        {"values": row, "errors": by_field["lines"].get(index, {})}
        for index, row in enumerate(rows or [{}])
    ]
    return {
        "invoice": invoice,
        "values": values,
        "row_items": row_items,
        "errors": by_field,
        "customers": customers.order_by("legal_name"),
        "tax_codes": tax_codes,
        "products": products,
        "company_currency": company.currency,
        "preview": _preview(values, rows, company, request.user, tax_codes),
    }


def _preview(values, rows, company, user, tax_codes) -> dict:
    """The totals shown when the page is drawn; later updates come from `invoice_totals`."""
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    data.update({"customer": values.get("customer", "")})
    for row in rows:
        for key, value in row.items():
            data.appendlist(f"line_{key}", value)
    return _totals_context(data, company, user, {t.code: t for t in tax_codes})


def _totals_context(data, company, user, tax_codes: dict) -> dict:
    form = parse_invoice_form(data, company, user)
    customer = form.header["customer"]
    currency = getattr(customer, "currency", "") or company.currency
    inputs, errors = line_inputs(form, tax_codes)
    totals = None
    if inputs or not errors:
        try:
            totals = compute_totals(inputs, currency)
        except TotalsInputError as error:
            field = "total" if error.index is None else f"lines[{error.index}].{error.field}"
            errors.append(FieldError(field, error.rule, str(error)))
    shown = None
    if totals is not None:
        shown = {
            name: _money(getattr(totals, name), currency)
            for name in ("total_net", "total_tax", "total")
        }
    return {
        "totals": totals,
        "shown": shown,
        "breakdown": _breakdown(totals.tax_breakdown) if totals else [],
        "currency": currency,
        "total_errors": [
            {"line": _line_number(error.field), "message": error.message} for error in errors
        ],
    }


def _breakdown(groups) -> list[dict]:
    """The VAT groups with the rate written plainly (20, 5.5), as on the PDF."""
    return [
        {
            "category": group.category,
            "rate": plain(group.rate),
            "taxable_amount": group.taxable_amount,
            "tax_amount": group.tax_amount,
        }
        for group in groups
    ]


def _line_number(field: str) -> int | None:
    if field.startswith("lines[") and "]" in field:
        index = field[len("lines[") : field.index("]")]
        return int(index) + 1 if index.isdigit() else None
    return None


@company_view(Action.EDIT_INVOICES)
def invoice_totals(request, company):
    """The live totals of the editor (htmx partial). Pure: it writes nothing."""
    tax_codes = {t.code: t for t in company_tax_codes(company, request.user)}
    context = _totals_context(request.POST, company, request.user, tax_codes)
    return render(request, "invoicing/_totals.html", context)


def _save_draft(request, company, invoice=None):
    form = parse_invoice_form(request.POST, company, request.user)
    errors = list(form.errors)
    if not errors:
        try:
            if invoice is None:
                invoice = services.create_draft(
                    company, actor=request.user, lines=form.lines, **form.header
                )
            else:
                invoice = services.update_draft(
                    invoice, actor=request.user, lines=form.lines, **form.header
                )
        except InvalidInput as error:
            errors = error.errors
        else:
            messages.success(request, _("Draft saved."))
            return redirect("invoices:detail", invoice_id=invoice.pk)
    context = _form_context(
        request, company, values=form.values, rows=form.rows, errors=errors, invoice=invoice
    )
    return render(request, "invoicing/form.html", context, status=422)


@company_view(Action.EDIT_INVOICES)
def invoice_create(request, company):
    if request.method == "POST":
        return _save_draft(request, company)
    values = {"customer": request.GET.get("customer", "")}
    context = _form_context(request, company, values=values, rows=[], errors=[])
    return render(request, "invoicing/form.html", context)


def _conflict(request, invoice, message: str):
    return render(
        request, "invoicing/conflict.html", {"invoice": invoice, "message": message}, status=409
    )


@company_view(Action.EDIT_INVOICES)
def invoice_edit(request, company, invoice_id: int):
    invoice = _invoice(request, company, invoice_id, Action.EDIT_INVOICES)
    if not invoice.is_editable:
        if invoice.is_issued:
            message = _("%(number)s is issued; issue a credit note to correct it.") % {
                "number": invoice.number
            }
        else:
            message = _("This invoice is in approval; it must be rejected back to draft first.")
        return _conflict(request, invoice, message)
    if request.method == "POST":
        try:
            return _save_draft(request, company, invoice)
        except Conflict as error:
            return _conflict(request, invoice, error.message)
    context = _form_context(
        request,
        company,
        values=values_from_invoice(invoice),
        rows=rows_from_invoice(invoice),
        errors=[],
        invoice=invoice,
    )
    return render(request, "invoicing/form.html", context)


# ----------------------------------------------------------------------------- detail


@company_view(Action.VIEW)
def invoice_detail(request, company, invoice_id: int):
    invoice = _invoice(request, company, invoice_id)
    lines = list(invoice.lines.select_related("tax_code", "product"))
    user = request.user
    may_edit = can(user, company, Action.EDIT_INVOICES)
    may_issue = can(user, company, Action.ISSUE_INVOICES)
    may_approve = can(user, company, Action.APPROVE_INVOICES)
    approval_needed = services.needs_approval(invoice)
    status = invoice.status
    return render(
        request,
        "invoicing/detail.html",
        {
            "invoice": invoice,
            "lines": lines,
            "credit_notes": invoice.credit_notes.order_by("id"),
            "needs_approval": approval_needed,
            "show_edit": may_edit and invoice.is_editable,
            "show_submit": may_edit and status == Status.DRAFT and approval_needed,
            "show_approve": may_approve and invoice.can("approve"),
            "show_reject": may_approve and invoice.can("reject"),
            "show_issue": may_issue
            and (status == Status.APPROVED or (status == Status.DRAFT and not approval_needed)),
            "show_credit_note": may_edit
            and invoice.is_issued
            and invoice.kind == DocumentKind.INVOICE,
            "show_pdf": invoice.is_issued,  # archived on demand if a batch has not yet
            "today": datetime.date.today(),  # noqa: DTZ011 - a default for a date field
        },
    )


def _action(action: Action):
    """A POST-only state change on one invoice: business refusals become messages and a
    redirect back to the detail page."""

    def decorator(perform):
        @require_POST
        @company_view(action)
        def view(request, company, invoice_id: int):
            invoice = _invoice(request, company, invoice_id, action)
            try:
                response = perform(request, invoice)
            except BusinessError as error:
                _business_error(request, error)
                return redirect("invoices:detail", invoice_id=invoice.pk)
            return response or redirect("invoices:detail", invoice_id=invoice.pk)

        view.__name__ = perform.__name__
        return view

    return decorator


@_action(Action.EDIT_INVOICES)
def invoice_submit(request, invoice):
    services.submit_for_approval(invoice, actor=request.user)
    messages.success(request, _("Submitted for approval."))


@_action(Action.APPROVE_INVOICES)
def invoice_approve(request, invoice):
    services.approve(invoice, actor=request.user, comment=request.POST.get("comment", ""))
    messages.success(request, _("Approved."))


@_action(Action.APPROVE_INVOICES)
def invoice_reject(request, invoice):
    services.reject(invoice, actor=request.user, comment=request.POST.get("comment", ""))
    messages.success(request, _("Sent back to draft."))


@_action(Action.ISSUE_INVOICES)
def invoice_issue(request, invoice):
    text = request.POST.get("issue_date", "").strip()
    issue_date = _date(text)
    if text and issue_date is None:
        raise InvalidInput.single("issue_date", "date", _("Enter a valid date."))
    issued = services.issue_invoice(invoice, actor=request.user, issue_date=issue_date)
    messages.success(request, _("%(number)s issued.") % {"number": issued.number})


@_action(Action.EDIT_INVOICES)
def invoice_delete(request, invoice):
    services.delete_draft(invoice, actor=request.user)
    messages.success(request, _("Draft deleted."))
    return redirect("invoices:list")


@_action(Action.EDIT_INVOICES)
def invoice_credit_note(request, invoice):
    reason = request.POST.get("reason", "").strip()
    if request.POST.get("mode") == "partial":
        lines = _credited_lines(request, invoice)
        credit_note = services.create_credit_note(
            invoice, actor=request.user, lines=lines, full=False, reason=reason
        )
    else:
        credit_note = services.create_credit_note(
            invoice, actor=request.user, full=True, reason=reason
        )
    messages.success(request, _("Draft credit note created; check it and issue it."))
    return redirect("invoices:detail", invoice_id=credit_note.pk)


def _credited_lines(request, invoice) -> list[dict]:
    """The lines ticked for a partial credit note, with the quantity to credit."""
    chosen = []
    for line in invoice.lines.select_related("tax_code", "product"):
        if request.POST.get(f"credit_{line.pk}") != "on":
            continue
        quantity = request.POST.get(f"quantity_{line.pk}", "").strip().replace(",", ".")
        chosen.append(
            {
                "product": line.product,
                "description": line.description,
                "quantity": quantity or line.quantity,
                "unit": line.unit,
                "unit_price": line.unit_price,
                "discount_percent": line.discount_percent,
                "tax_code": line.tax_code,
            }
        )
    if not chosen:
        raise InvalidInput.single("lines", "required", _("Tick at least one line to credit."))
    return chosen


@company_view(Action.VIEW)
def invoice_pdf(request, company, invoice_id: int):
    invoice = _invoice(request, company, invoice_id)
    if not invoice.is_issued:
        raise Http404(_("Only issued documents have a PDF."))
    # A batch archives its PDFs just after numbering; the first reader archives a late one.
    invoice = ensure_pdf(invoice, actor=request.user)
    return FileResponse(
        invoice.pdf.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"{invoice.number}.pdf",
    )
