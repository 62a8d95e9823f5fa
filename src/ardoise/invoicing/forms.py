"""Reading the invoice page's form: header fields and the lines table.

The lines table posts one value per row for each column (`line_description`,
`line_quantity`, ...), in the order of the rows on screen, so rows can be added and removed
in the browser without renumbering anything. Parsing never raises: it returns what it could
read and the errors, named like the services name them (`lines[2].quantity`).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from ardoise.catalog.models import Product, TaxCode
from ardoise.core.errors import FieldError
from ardoise.core.tenancy import scoped
from ardoise.parties.models import Customer

from .totals import LineInput, TotalsInputError

LINE_COLUMNS = ("product", "description", "quantity", "unit", "unit_price", "discount", "tax_code")
HEADER_FIELDS = ("customer", "purchase_order", "delivery_notes", "contract", "notes", "issue_date")


@dataclass
class InvoiceForm:
    """What the user typed (`values`, `rows`: strings, to show back) and what it means
    (`header`, `lines`: ready for the services)."""

    values: dict[str, str]
    rows: list[dict[str, str]]
    header: dict = field(default_factory=dict)
    lines: list[dict] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)


def company_customers(company, user):
    return scoped(Customer.objects.filter(company=company), user)


def company_products(company, user):
    return scoped(Product.objects.filter(company=company), user).select_related("tax_code")


def company_tax_codes(company, user):
    return scoped(TaxCode.objects.filter(company=company), user)


def posted_rows(data) -> list[dict[str, str]]:
    columns = {name: data.getlist(f"line_{name}") for name in LINE_COLUMNS}
    count = max((len(values) for values in columns.values()), default=0)
    rows = []
    for index in range(count):
        row = {
            name: (values[index].strip() if index < len(values) else "")
            for name, values in columns.items()
        }
        # A row the user added and left untouched is not a line.
        if any(row[name] for name in ("product", "description", "quantity", "unit_price")):
            rows.append(row)
    return rows


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def parse_invoice_form(data, company, user) -> InvoiceForm:
    values = {name: data.get(name, "").strip() for name in HEADER_FIELDS}
    form = InvoiceForm(values=values, rows=posted_rows(data))
    _parse_header(form, company, user)
    _parse_lines(form, company, user)
    return form


def _parse_header(form: InvoiceForm, company, user) -> None:
    values = form.values
    customer = None
    if values["customer"].isdigit():
        customer = company_customers(company, user).filter(pk=int(values["customer"])).first()
    issue_date = None
    if values["issue_date"]:
        issue_date = _date(values["issue_date"])
        if issue_date is None:
            form.errors.append(FieldError("issue_date", "date", _("Enter a valid date.")))
    notes = [note.strip() for note in values["delivery_notes"].split(",") if note.strip()]
    form.header = {
        # The services say what is wrong with a missing or foreign customer.
        "customer": customer or values["customer"],
        "purchase_order": values["purchase_order"],
        "delivery_notes": notes,
        "contract": values["contract"],
        "notes": values["notes"],
        "issue_date": issue_date,
    }


def _number_text(text: str) -> str:
    """Accept the decimal comma most of our users type; the services parse the rest."""
    return text.replace("\u00a0", "").replace(" ", "").replace(",", ".")


def _parse_lines(form: InvoiceForm, company, user) -> None:
    for row in form.rows:
        form.lines.append(
            {
                "product": int(row["product"]) if row["product"].isdigit() else None,
                "description": row["description"],
                "quantity": _number_text(row["quantity"]),
                "unit": row["unit"],
                "unit_price": _number_text(row["unit_price"]),
                "discount_percent": _number_text(row["discount"]),
                "tax_code": row["tax_code"],
            }
        )


def line_inputs(form: InvoiceForm, tax_codes: dict) -> tuple[list[LineInput], list[FieldError]]:
    """The lines as the pure totals calculation takes them, for the live preview. Lines that
    cannot be read are reported and left out of the preview."""
    inputs: list[LineInput] = []
    errors: list[FieldError] = []
    for index, line in enumerate(form.lines):
        prefix = f"lines[{index}]"
        count = len(errors)
        numbers: dict[str, Decimal] = {}
        for name in ("quantity", "unit_price", "discount_percent"):
            text = line[name] or ("0" if name == "discount_percent" else "")
            number = _decimal(text)
            if number is None:
                errors.append(FieldError(f"{prefix}.{name}", "number", _("Enter a number.")))
            else:
                numbers[name] = number
        tax_code = tax_codes.get(line["tax_code"])
        if tax_code is None:
            errors.append(FieldError(f"{prefix}.tax_code", "required", _("Choose a tax code.")))
        if len(errors) > count or tax_code is None:
            continue
        try:
            inputs.append(
                LineInput(
                    tax_category=tax_code.category,
                    tax_rate=tax_code.rate,
                    exemption_reason=tax_code.exemption_reason,
                    **numbers,
                )
            )
        except TotalsInputError as error:
            errors.append(FieldError(f"{prefix}.{error.field}", error.rule, str(error)))
    return inputs, errors


def errors_by_field(errors: list[FieldError]) -> dict:
    """{"customer": [...], "lines": {0: {"quantity": [...]}}, "lines_general": [...],
    "non_field": [...]}: where the page shows each error."""
    result: dict = {"lines": {}, "non_field": []}
    for error in errors:
        name = error.field
        if name.startswith("lines[") and "]" in name:
            index_text, _sep, rest = name[len("lines[") :].partition("]")
            column = rest.lstrip(".") or "non_field"
            column = {"discount_percent": "discount"}.get(column, column)
            if index_text.isdigit():
                row = result["lines"].setdefault(int(index_text), {})
                row.setdefault(column, []).append(str(error.message))
                continue
        if name in ("__all__", ""):
            result["non_field"].append(str(error.message))
        elif name.startswith("lines"):
            result.setdefault("lines_general", []).append(str(error.message))
        else:
            result.setdefault(name, []).append(str(error.message))
    return result


def rows_from_invoice(invoice) -> list[dict[str, str]]:
    return [
        {
            "product": str(line.product_id or ""),
            "description": line.description,
            "quantity": _plain(line.quantity),
            "unit": line.unit,
            "unit_price": _plain(line.unit_price),
            "discount": _plain(line.discount_percent),
            "tax_code": line.tax_code.code,
        }
        for line in invoice.lines.all()
    ]


def values_from_invoice(invoice) -> dict[str, str]:
    return {
        "customer": str(invoice.customer_id),
        "purchase_order": invoice.purchase_order,
        "delivery_notes": ", ".join(invoice.delivery_notes or []),
        "contract": invoice.contract,
        "notes": invoice.notes,
        "issue_date": invoice.issue_date.isoformat() if invoice.issue_date else "",
    }


def _plain(value: Decimal) -> str:
    normalized = value.normalize()
    return "0" if normalized == 0 else format(normalized, "f")
