"""Staff pages for customers. Thin: scope, parse with a form, call a service, render."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ardoise.core.roles import Action
from ardoise.core.tenancy import can, get_scoped
from ardoise.core.web import company_view

from .forms import ContactForm, CustomerEventForm, CustomerForm
from .history import customer_history
from .models import Contact, Customer, CustomerEventKind
from .queries import filter_customers
from .services import deactivate_customer, reactivate_customer, remove_contact

PAGE_SIZE = 50
# Entries of the history on the customer page; the rest on the history page.
RECENT_EVENTS = 10
SORTS = {
    "code": "code",
    "name": "legal_name",
    "country": "country",
    "created": "created_at",
}
ACTIVE_FILTER = {"1": True, "0": False}


def _sort(request) -> tuple[str, list[str]]:
    sort = request.GET.get("sort", "code")
    key = sort.removeprefix("-")
    if key not in SORTS:
        sort, key = "code", "code"
    prefix = "-" if sort.startswith("-") else ""
    return sort, [prefix + SORTS[key], prefix + "id"]


@company_view(Action.VIEW)
def customer_list(request, company):
    customers = Customer.objects.filter(company=company)
    filters = {
        "q": request.GET.get("q", "").strip(),
        "country": request.GET.get("country", "").strip().upper(),
        "business_line": request.GET.get("business_line", "").strip(),
        "active": request.GET.get("active", ""),
    }
    queryset = filter_customers(
        customers,
        q=filters["q"],
        country=filters["country"],
        business_line=filters["business_line"],
        active=ACTIVE_FILTER.get(filters["active"]),
    )
    sort, ordering = _sort(request)
    page = Paginator(queryset.order_by(*ordering), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    context = {
        "page": page,
        "filters": filters,
        "sort": sort,
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        "countries": customers.order_by("country").values_list("country", flat=True).distinct(),
        "business_lines": customers.exclude(business_line="")
        .order_by("business_line")
        .values_list("business_line", flat=True)
        .distinct(),
        "columns": [
            ("code", _("Code")),
            ("name", _("Name")),
            ("country", _("Country")),
            ("created", _("Created")),
        ],
        "can_edit": can(request.user, company, Action.EDIT_CUSTOMERS),
    }
    return render(request, "parties/customer_list.html", context)


@company_view(Action.EDIT_CUSTOMERS)
def customer_create(request, company):
    form = CustomerForm(request.POST or None, company=company, actor=request.user)
    if request.method == "POST" and form.is_valid():
        messages.success(request, _("Customer created."))
        return redirect("customers:detail", pk=form.instance.pk)
    return render(request, "parties/customer_form.html", {"form": form, "customer": None})


@company_view(Action.VIEW)
def customer_detail(request, company, pk):
    customer = get_scoped(Customer.objects.select_related("company"), request.user, pk)
    return _render_detail(request, customer)


def _render_detail(
    request,
    customer: Customer,
    contact_form: ContactForm | None = None,
    event_form: CustomerEventForm | None = None,
    status: int = 200,
):
    contacts = list(customer.contacts.all())
    # One more than shown, to know whether to offer the whole history.
    events = list(customer_history(customer)[: RECENT_EVENTS + 1])
    context = {
        "customer": customer,
        "contacts": contacts,
        "contact_form": contact_form or ContactForm(customer=customer, actor=request.user),
        "event_form": event_form
        or CustomerEventForm(customer=customer, actor=request.user, contacts=contacts),
        "events": events[:RECENT_EVENTS],
        "more_events": len(events) > RECENT_EVENTS,
        "can_edit": can(request.user, customer.company_id, Action.EDIT_CUSTOMERS),
    }
    return render(request, "parties/customer_detail.html", context, status=status)


@company_view(Action.VIEW)
def customer_history_page(request, company, pk):
    customer = get_scoped(Customer.objects.select_related("company"), request.user, pk)
    events = customer_history(customer).select_related("contact")
    kind = request.GET.get("kind", "")
    if kind in CustomerEventKind.values:
        events = events.filter(kind=kind)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "customer": customer,
        "page": page,
        "kind": kind,
        "kinds": CustomerEventKind.choices,
        "query": f"kind={kind}" if kind else "",
    }
    return render(request, "parties/customer_history.html", context)


@require_POST
@company_view(Action.EDIT_CUSTOMERS)
def customer_event_add(request, company, pk):
    customer = get_scoped(
        Customer.objects.select_related("company"), request.user, pk, Action.EDIT_CUSTOMERS
    )
    form = CustomerEventForm(
        request.POST, customer=customer, actor=request.user, contacts=customer.contacts.all()
    )
    if form.is_valid():
        messages.success(request, _("Added to the customer's history."))
        return redirect("customers:detail", pk=customer.pk)
    return _render_detail(request, customer, event_form=form, status=422)


@company_view(Action.EDIT_CUSTOMERS)
def customer_edit(request, company, pk):
    customer = get_scoped(Customer.objects, request.user, pk, Action.EDIT_CUSTOMERS)
    form = CustomerForm(
        request.POST or None, company=customer.company, actor=request.user, instance=customer
    )
    if request.method == "POST" and form.is_valid():
        messages.success(request, _("Customer saved."))
        return redirect("customers:detail", pk=customer.pk)
    return render(request, "parties/customer_form.html", {"form": form, "customer": customer})


@require_POST
@company_view(Action.EDIT_CUSTOMERS)
def customer_set_active(request, company, pk):
    customer = get_scoped(Customer.objects, request.user, pk, Action.EDIT_CUSTOMERS)
    if request.POST.get("active") == "1":
        reactivate_customer(customer, actor=request.user)
        messages.success(request, _("Customer reactivated."))
    else:
        deactivate_customer(customer, actor=request.user)
        messages.success(request, _("Customer deactivated."))
    return redirect("customers:detail", pk=customer.pk)


@require_POST
@company_view(Action.EDIT_CUSTOMERS)
def contact_add(request, company, pk):
    customer = get_scoped(Customer.objects, request.user, pk, Action.EDIT_CUSTOMERS)
    form = ContactForm(request.POST, customer=customer, actor=request.user)
    if form.is_valid():
        messages.success(request, _("Contact added."))
        return redirect("customers:detail", pk=customer.pk)
    return _render_detail(request, customer, contact_form=form, status=422)


@require_POST
@company_view(Action.EDIT_CUSTOMERS)
def contact_delete(request, company, pk, contact_pk):
    contact = get_scoped(
        Contact.objects.filter(customer_id=pk), request.user, contact_pk, Action.EDIT_CUSTOMERS
    )
    remove_contact(contact, actor=request.user)
    messages.success(request, _("Contact removed."))
    return redirect("customers:detail", pk=pk)
