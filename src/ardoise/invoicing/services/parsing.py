"""Reading draft input: numbers, dates, customer and lines, checked all at once into
FieldErrors, and the totals they give. No writes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from ardoise.catalog.models import Product, TaxCode
from ardoise.core.errors import FieldError
from ardoise.core.models import Company
from ardoise.core.money import to_decimal
from ardoise.parties.models import Customer

from ..models import Invoice, InvoiceLine
from ..totals import LineInput, Totals, TotalsInputError, compute_totals

LINE_KEYS = frozenset(
    {"product", "description", "quantity", "unit", "unit_price", "discount_percent", "tax_code"}
)


def _rule_message(rule: str) -> str:
    messages = {
        "non_zero": _("The quantity must not be zero."),
        "max_value": _("The value is too large (quantity at most 10^9, unit price at most 10^12)."),
        "min_value": _("The unit price must not be negative."),
        "range": _("The value must be between 0 and 100."),
        "max_decimal_places": _("Give at most 4 decimals."),
        "amount_too_large": _("The amount exceeds the largest amount that can be stored."),
    }
    return messages.get(rule, _("The value is not valid."))


def parse_number(value: object, field: str, errors: list[FieldError]) -> Decimal | None:
    try:
        return to_decimal(value)
    except TypeError:
        errors.append(
            FieldError(
                field,
                "no_float",
                _('Send numbers as strings (e.g. "12.50") or integers, never as floats.'),
            )
        )
    except ValueError:
        errors.append(
            FieldError(field, "number", _("%(value)s is not a number.") % {"value": repr(value)})
        )
    return None


def _parse_date(value: object, field: str, errors: list[FieldError]) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        errors.append(FieldError(field, "date", _("Give a date, not a date and time.")))
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        errors.append(FieldError(field, "date", _("Give a date as YYYY-MM-DD.")))
        return None


def _find_customer(company: Company, value: object, errors: list[FieldError]) -> Customer | None:
    if value is None or value == "":
        errors.append(FieldError("customer", "required", _("Choose the customer to invoice.")))
        return None
    customer_id = value.pk if isinstance(value, Customer) else value
    customer = None
    if isinstance(customer_id, int) or (isinstance(customer_id, str) and customer_id.isdigit()):
        customer = Customer.objects.filter(company=company, pk=int(customer_id)).first()
    if customer is None:
        errors.append(
            FieldError(
                "customer",
                "unknown",
                _("No customer %(id)s in this company.") % {"id": customer_id},
            )
        )
    return customer


@dataclass
class ParsedLine:
    """An unsaved line with the tax data copied from its tax code, ready to total."""

    row: InvoiceLine
    data: LineInput


def _lookups(company: Company, lines: list) -> tuple[dict, dict]:
    """Products by id and tax codes by code, fetched in two queries for all lines."""
    product_ids, tax_codes = set(), set()
    for line in lines:
        if not isinstance(line, dict):
            continue
        product = line.get("product")
        product = product.pk if isinstance(product, Product) else product
        if isinstance(product, int) or (isinstance(product, str) and product.isdigit()):
            product_ids.add(int(product))
        code = line.get("tax_code")
        code = code.code if isinstance(code, TaxCode) else code
        if isinstance(code, str):
            tax_codes.add(code)
    products = Product.objects.filter(company=company, pk__in=product_ids).select_related(
        "tax_code"
    )
    codes = TaxCode.objects.filter(company=company, code__in=tax_codes)
    return {p.pk: p for p in products}, {t.code: t for t in codes}


def _line_product(line: dict, prefix: str, products: dict, errors: list) -> Product | None:
    value = line.get("product")
    if value in (None, ""):
        return None
    product_id = value.pk if isinstance(value, Product) else value
    product = None
    if isinstance(product_id, int) or (isinstance(product_id, str) and product_id.isdigit()):
        product = products.get(int(product_id))
    if (
        isinstance(value, Product)
        and product is not None
        and value.company_id != product.company_id
    ):
        product = None
    if product is None:
        errors.append(
            FieldError(
                f"{prefix}.product",
                "unknown",
                _("No product %(id)s in this company.") % {"id": product_id},
            )
        )
    elif not product.is_active:
        errors.append(
            FieldError(
                f"{prefix}.product",
                "inactive",
                _("The product %(code)s is no longer sold.") % {"code": product.code},
            )
        )
    return product


def _line_tax_code(
    line: dict, prefix: str, product: Product | None, codes: dict, errors: list
) -> TaxCode | None:
    value = line.get("tax_code")
    tax_code: TaxCode | None
    if value in (None, ""):
        if product is not None:
            tax_code = product.tax_code
        else:
            errors.append(
                FieldError(f"{prefix}.tax_code", "required", _("Give the line's tax code."))
            )
            return None
    else:
        code = value.code if isinstance(value, TaxCode) else value
        tax_code = codes.get(code) if isinstance(code, str) else None
        if isinstance(value, TaxCode) and tax_code is not None and tax_code.pk != value.pk:
            tax_code = None
        if tax_code is None:
            errors.append(
                FieldError(
                    f"{prefix}.tax_code",
                    "unknown",
                    _("No tax code %(code)s in this company.") % {"code": code},
                )
            )
            return None
    if not tax_code.is_active:
        errors.append(
            FieldError(
                f"{prefix}.tax_code",
                "inactive",
                _("The tax code %(code)s is no longer in use.") % {"code": tax_code.code},
            )
        )
    return tax_code


def _parse_line(
    index: int, line: object, products: dict, codes: dict, errors: list[FieldError]
) -> ParsedLine | None:
    prefix = f"lines[{index}]"
    if not isinstance(line, dict):
        errors.append(FieldError(prefix, "invalid", _("Each line must be an object.")))
        return None
    count = len(errors)
    for key in sorted(set(line) - LINE_KEYS):
        errors.append(FieldError(f"{prefix}.{key}", "unknown_field", _("Unknown line field.")))
    product = _line_product(line, prefix, products, errors)
    tax_code = _line_tax_code(line, prefix, product, codes, errors)
    description = str(line.get("description") or (product.name if product else "")).strip()
    if not description:
        errors.append(
            FieldError(
                f"{prefix}.description", "required", _("Describe the line or pick a product.")
            )
        )
    elif len(description) > 500:
        errors.append(
            FieldError(f"{prefix}.description", "max_length", _("At most 500 characters."))
        )
    unit = str(line.get("unit") or (product.unit if product else "C62")).strip().upper()
    if len(unit) > 3:
        errors.append(
            FieldError(f"{prefix}.unit", "unece_rec20", _("Give a UN/ECE Rec. 20 unit code."))
        )
    if line.get("quantity") in (None, ""):
        errors.append(FieldError(f"{prefix}.quantity", "required", _("Give the quantity.")))
        quantity = None
    else:
        quantity = parse_number(line["quantity"], f"{prefix}.quantity", errors)
    if line.get("unit_price") in (None, ""):
        unit_price = product.unit_price if product else None
        if product is None:
            errors.append(FieldError(f"{prefix}.unit_price", "required", _("Give the unit price.")))
    else:
        unit_price = parse_number(line["unit_price"], f"{prefix}.unit_price", errors)
    raw_discount = line.get("discount_percent")
    discount = (
        Decimal(0)
        if raw_discount in (None, "")
        else parse_number(raw_discount, f"{prefix}.discount_percent", errors)
    )
    # Every value below that is None has had its error reported above.
    if (
        len(errors) > count
        or tax_code is None
        or quantity is None
        or unit_price is None
        or discount is None
    ):
        return None
    try:
        data = LineInput(
            quantity=quantity,
            unit_price=unit_price,
            discount_percent=discount,
            tax_category=tax_code.category,
            tax_rate=tax_code.rate,
            exemption_reason=tax_code.exemption_reason,
        )
    except TotalsInputError as error:
        errors.append(FieldError(f"{prefix}.{error.field}", error.rule, _rule_message(error.rule)))
        return None
    row = InvoiceLine(
        position=index + 1,
        product=product,
        description=description,
        quantity=quantity,
        unit=unit,
        unit_price=unit_price,
        discount_percent=discount,
        tax_code=tax_code,
        tax_category=tax_code.category,
        tax_rate=tax_code.rate,
        exemption_reason=tax_code.exemption_reason,
    )
    return ParsedLine(row=row, data=data)


def parse_lines(company: Company, lines: object, errors: list[FieldError]) -> list[ParsedLine]:
    if not isinstance(lines, list | tuple):
        errors.append(FieldError("lines", "invalid", _("Give the lines as a list.")))
        return []
    products, codes = _lookups(company, list(lines))
    parsed = [_parse_line(i, line, products, codes, errors) for i, line in enumerate(lines)]
    return [line for line in parsed if line is not None]


def stored_line_inputs(lines: list[InvoiceLine]) -> list[LineInput]:
    """Line inputs from saved lines: their own copied tax data, not the tax code's today."""
    return [
        LineInput(
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            tax_category=line.tax_category,
            tax_rate=line.tax_rate,
            exemption_reason=line.exemption_reason,
        )
        for line in lines
    ]


def total_lines(lines: list[ParsedLine], currency: str, errors: list[FieldError]) -> Totals | None:
    try:
        totals = compute_totals([line.data for line in lines], currency)
    except TotalsInputError as error:
        field = "lines" if error.index is None else f"lines[{error.index}].{error.field}"
        errors.append(FieldError(field, error.rule, _rule_message(error.rule)))
        return None
    if totals.total < 0:
        errors.append(
            FieldError(
                "lines",
                "negative_total",
                _("The total cannot be negative; issue a credit note to give money back."),
            )
        )
        return None
    return totals


def apply_totals(invoice: Invoice, lines: list[InvoiceLine], totals: Totals) -> None:
    for line, net in zip(lines, totals.lines_net, strict=True):
        line.net_amount = net
    invoice.total_net = totals.total_net
    invoice.total_tax = totals.total_tax
    invoice.total = totals.total
    invoice.tax_breakdown = totals.breakdown_json()


# ----------------------------------------------------------------------------- header
