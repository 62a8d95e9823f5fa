"""HTTP routes of the catalog: products and tax codes. Mounted at the API root, so the paths
here are complete (`/products`, `/tax-codes`). Amounts and rates travel as decimal strings."""

from django.db.models import Q
from ninja import Router, Schema, Status

from ardoise.core.http import decimal_str, paginate
from ardoise.core.roles import Action
from ardoise.core.tenancy import company_for, get_scoped, scoped

from . import services
from .models import Product, TaxCode

router = Router(tags=["catalog"])

# A JSON number with a fraction arrives as a float; it is accepted here only so that the
# service can refuse it with a message naming the field (amounts must be decimal strings).
DecimalInput = str | int | float


class ProductIn(Schema):
    company: int | None = None
    code: str
    name: str
    description: str = ""
    kind: str = Product.Kind.SERVICE
    unit: str = "C62"
    unit_price: DecimalInput
    tax_code: str | None = None
    tax_code_id: int | None = None
    is_active: bool = True


class ProductPatch(Schema):
    code: str | None = None
    name: str | None = None
    description: str | None = None
    kind: str | None = None
    unit: str | None = None
    unit_price: DecimalInput | None = None
    tax_code: str | None = None
    tax_code_id: int | None = None
    is_active: bool | None = None


class ProductOut(Schema):
    id: int
    company: int
    code: str
    name: str
    description: str
    kind: str
    unit: str
    unit_price: str
    tax_code: str
    tax_code_id: int
    is_active: bool


class ProductPage(Schema):
    items: list[ProductOut]
    next_cursor: str | None


class TaxCodeIn(Schema):
    company: int | None = None
    code: str
    name: str
    category: str
    rate: DecimalInput
    exemption_reason: str = ""
    exemption_reason_code: str = ""
    country: str = ""
    is_active: bool = True


class TaxCodeOut(Schema):
    id: int
    company: int
    code: str
    country: str
    category: str
    rate: str
    exemption_reason: str
    exemption_reason_code: str
    name: str
    is_active: bool


class SeedIn(Schema):
    company: int | None = None


class SeedOut(Schema):
    created: int


def product_out(product: Product) -> dict:
    return {
        "id": product.pk,
        "company": product.company_id,
        "code": product.code,
        "name": product.name,
        "description": product.description,
        "kind": product.kind,
        "unit": product.unit,
        "unit_price": decimal_str(product.unit_price),
        "tax_code": product.tax_code.code,
        "tax_code_id": product.tax_code_id,
        "is_active": product.is_active,
    }


def tax_code_out(tax_code: TaxCode) -> dict:
    return {
        "id": tax_code.pk,
        "company": tax_code.company_id,
        "code": tax_code.code,
        "country": tax_code.country,
        "category": tax_code.category,
        "rate": decimal_str(tax_code.rate),
        "exemption_reason": tax_code.exemption_reason,
        "exemption_reason_code": tax_code.exemption_reason_code,
        "name": tax_code.name,
        "is_active": tax_code.is_active,
    }


def _products(request):
    return scoped(Product.objects.select_related("tax_code"), request.user)


def _tax_code_value(data: dict) -> None:
    """`tax_code` (the code) wins over `tax_code_id`; the service takes either."""
    tax_code_id = data.pop("tax_code_id", None)
    if data.get("tax_code") is None and tax_code_id is not None:
        data["tax_code"] = tax_code_id
    elif "tax_code" in data and data["tax_code"] is None:
        del data["tax_code"]


@router.post("/products", response={201: ProductOut})
def create_product(request, payload: ProductIn):
    data = payload.dict()
    company = company_for(request.user, data.pop("company"), Action.EDIT_CATALOG)
    _tax_code_value(data)
    data.setdefault("tax_code", None)
    product = services.create_product(company, actor=request.user, **data)
    return Status(201, product_out(product))


@router.get("/products", response=ProductPage)
def list_products(
    request,
    q: str | None = None,
    active: bool | None = None,
    company: int | None = None,
    cursor: str | None = None,
    limit: int | None = None,
):
    """Newest first; `q` searches code, name and description; `next_cursor` gives the next
    page."""
    products = _products(request)
    if company is not None:
        products = products.filter(company_id=company)
    if active is not None:
        products = products.filter(is_active=active)
    if q:
        products = products.filter(
            Q(code__icontains=q) | Q(name__icontains=q) | Q(description__icontains=q)
        )
    rows, next_cursor = paginate(products, cursor, limit)
    return {"items": [product_out(p) for p in rows], "next_cursor": next_cursor}


@router.get("/products/{product_id}", response=ProductOut)
def get_product(request, product_id: int):
    return product_out(get_scoped(_products(request), request.user, product_id))


@router.patch("/products/{product_id}", response=ProductOut)
def update_product(request, product_id: int, payload: ProductPatch):
    product = get_scoped(_products(request), request.user, product_id, Action.EDIT_CATALOG)
    changes = payload.dict(exclude_unset=True)
    _tax_code_value(changes)
    product = services.update_product(product, actor=request.user, **changes)
    return product_out(product)


@router.get("/tax-codes", response=list[TaxCodeOut])
def list_tax_codes(
    request,
    country: str | None = None,
    category: str | None = None,
    active: bool | None = None,
    company: int | None = None,
):
    tax_codes = scoped(TaxCode.objects.all(), request.user).order_by("company_id", "code")
    if company is not None:
        tax_codes = tax_codes.filter(company_id=company)
    if country:
        tax_codes = tax_codes.filter(country=country.upper())
    if category:
        tax_codes = tax_codes.filter(category=category.upper())
    if active is not None:
        tax_codes = tax_codes.filter(is_active=active)
    return [tax_code_out(t) for t in tax_codes]


@router.post("/tax-codes", response={201: TaxCodeOut})
def create_tax_code(request, payload: TaxCodeIn):
    data = payload.dict()
    company = company_for(request.user, data.pop("company"), Action.MANAGE_COMPANY)
    tax_code = services.create_tax_code(company, actor=request.user, **data)
    return Status(201, tax_code_out(tax_code))


@router.post("/tax-codes/seed", response=SeedOut)
def seed_tax_codes(request, payload: SeedIn):
    """Create the standard tax codes of the company's country that it lacks."""
    company = company_for(request.user, payload.company, Action.MANAGE_COMPANY)
    return {"created": services.seed_tax_codes(company, actor=request.user)}
