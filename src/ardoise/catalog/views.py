"""Staff pages of the catalog: products (list, detail, create, edit) and tax codes."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ardoise.core.errors import InvalidInput
from ardoise.core.roles import Action
from ardoise.core.tenancy import can, get_scoped, scoped
from ardoise.core.web import company_view

from . import services
from .models import Product, TaxCode, VatCategory
from .units import unit_choices

PAGE_SIZE = 25
SORTS = {
    "code": "code",
    "-code": "-code",
    "name": "name",
    "-name": "-name",
    "price": "unit_price",
    "-price": "-unit_price",
}
PRODUCT_FORM_FIELDS = ("code", "name", "description", "kind", "unit", "unit_price", "tax_code")
TAX_CODE_FORM_FIELDS = (
    "code",
    "name",
    "category",
    "rate",
    "exemption_reason",
    "exemption_reason_code",
)


def _company_products(request, company):
    return scoped(Product.objects.filter(company=company), request.user).select_related("tax_code")


def _field_errors(error: InvalidInput) -> dict[str, list[str]]:
    """Service errors by form field; errors on no field go under `non_field`."""
    errors: dict[str, list[str]] = {}
    for item in error.errors:
        key = "non_field" if item.field == "__all__" else item.field
        errors.setdefault(key, []).append(str(item.message))
    return errors


def _product_form_context(request, company, values: dict, errors: dict, product=None) -> dict:
    tax_codes = scoped(TaxCode.objects.filter(company=company), request.user).filter(
        Q(is_active=True) | Q(pk=getattr(product, "tax_code_id", None))
    )
    return {
        "product": product,
        "values": values,
        "errors": errors,
        "kinds": Product.Kind.choices,
        "units": unit_choices(get_language() or "en"),
        "tax_codes": tax_codes.order_by("code"),
    }


def _posted_product(request) -> dict:
    return {field: request.POST.get(field, "").strip() for field in PRODUCT_FORM_FIELDS}


@company_view(Action.VIEW)
def product_list(request, company):
    products = _company_products(request, company)
    q = request.GET.get("q", "").strip()
    if q:
        products = products.filter(
            Q(code__icontains=q) | Q(name__icontains=q) | Q(description__icontains=q)
        )
    kind = request.GET.get("kind", "")
    if kind in Product.Kind.values:
        products = products.filter(kind=kind)
    active = request.GET.get("active", "active")
    if active == "active":
        products = products.filter(is_active=True)
    elif active == "inactive":
        products = products.filter(is_active=False)
    sort = request.GET.get("sort", "code")
    if sort not in SORTS:
        sort = "code"
    products = products.order_by(SORTS[sort], "id")
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalog/product_list.html",
        {
            "page": page,
            "q": q,
            "kind": kind,
            "active": active,
            "sort": sort,
            "kinds": Product.Kind.choices,
            "query": query.urlencode(),
            "can_edit": can(request.user, company, Action.EDIT_CATALOG),
        },
    )


@company_view(Action.VIEW)
def product_detail(request, company, product_id: int):
    product = get_scoped(_company_products(request, company), request.user, product_id)
    return render(
        request,
        "catalog/product_detail.html",
        {"product": product, "can_edit": can(request.user, company, Action.EDIT_CATALOG)},
    )


@company_view(Action.EDIT_CATALOG)
def product_create(request, company):
    values = {"kind": Product.Kind.SERVICE, "unit": "C62"}
    errors: dict = {}
    status = 200
    if request.method == "POST":
        values = _posted_product(request)
        try:
            product = services.create_product(company, actor=request.user, **values)
        except InvalidInput as error:
            errors, status = _field_errors(error), 422
        else:
            messages.success(request, _("Product %(code)s created.") % {"code": product.code})
            return redirect("products:detail", product_id=product.pk)
    context = _product_form_context(request, company, values, errors)
    return render(request, "catalog/product_form.html", context, status=status)


@company_view(Action.EDIT_CATALOG)
def product_edit(request, company, product_id: int):
    product = get_scoped(
        _company_products(request, company), request.user, product_id, Action.EDIT_CATALOG
    )
    values = {
        "code": product.code,
        "name": product.name,
        "description": product.description,
        "kind": product.kind,
        "unit": product.unit,
        "unit_price": product.unit_price,
        "tax_code": product.tax_code.code,
        "is_active": product.is_active,
    }
    errors: dict = {}
    status = 200
    if request.method == "POST":
        values = _posted_product(request) | {"is_active": request.POST.get("is_active") == "on"}
        try:
            services.update_product(product, actor=request.user, **values)
        except InvalidInput as error:
            errors, status = _field_errors(error), 422
        else:
            messages.success(request, _("Product %(code)s saved.") % {"code": values["code"]})
            return redirect("products:detail", product_id=product.pk)
    context = _product_form_context(request, company, values, errors, product)
    return render(request, "catalog/product_form.html", context, status=status)


@require_POST
@company_view(Action.EDIT_CATALOG)
def product_deactivate(request, company, product_id: int):
    product = get_scoped(
        _company_products(request, company), request.user, product_id, Action.EDIT_CATALOG
    )
    services.deactivate_product(product, actor=request.user)
    messages.success(request, _("Product %(code)s deactivated.") % {"code": product.code})
    return redirect("products:detail", product_id=product.pk)


@company_view(Action.VIEW)
def tax_code_list(request, company):
    """Read-only list for everyone; an administrator may add a code or seed the country's
    standard codes."""
    is_admin = can(request.user, company, Action.MANAGE_COMPANY)
    values: dict = {"category": VatCategory.STANDARD}
    errors: dict = {}
    status = 200
    if request.method == "POST":
        if not is_admin:
            raise PermissionDenied(_("Only an administrator may change tax codes."))
        if request.POST.get("action") == "seed":
            created = services.seed_tax_codes(company, actor=request.user)
            messages.success(request, _("%(count)d tax codes added.") % {"count": created})
            return redirect("products:tax-codes")
        values = {field: request.POST.get(field, "").strip() for field in TAX_CODE_FORM_FIELDS}
        try:
            tax_code = services.create_tax_code(company, actor=request.user, **values)
        except InvalidInput as error:
            errors, status = _field_errors(error), 422
        else:
            messages.success(request, _("Tax code %(code)s created.") % {"code": tax_code.code})
            return redirect("products:tax-codes")
    tax_codes = scoped(TaxCode.objects.filter(company=company), request.user)
    category = request.GET.get("category", "")
    if category in VatCategory.values:
        tax_codes = tax_codes.filter(category=category)
    context = {
        "tax_codes": tax_codes.order_by("code"),
        "categories": VatCategory.choices,
        "category": category,
        "is_admin": is_admin,
        "values": values,
        "errors": errors,
    }
    return render(request, "catalog/tax_code_list.html", context, status=status)
