"""Builds the demo installation through the same services the pages and API call, so the
demo data is audited, numbered and rendered like real data."""

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from stdnum import luhn
from stdnum.es import cif

from ardoise.catalog.models import TaxCode
from ardoise.catalog.services import create_product, seed_tax_codes
from ardoise.companies.services import (
    add_bank_account,
    create_company,
    create_user,
    set_membership,
)
from ardoise.core.models import Company
from ardoise.core.money import quantize
from ardoise.invoicing.services import create_draft, issue_invoice
from ardoise.parties.services import create_customer
from ardoise.payments.services import record_payment

from . import data


def french_identifiers(rng: random.Random) -> dict:
    body = "".join(rng.choice("0123456789") for _ in range(8))
    siren = body + luhn.calc_check_digit(body)
    establishment = siren + f"{rng.randint(1, 9999):04d}"
    siret = establishment + luhn.calc_check_digit(establishment)
    key = (12 + 3 * (int(siren) % 97)) % 97
    return {"siren": siren, "siret": siret, "vat": f"FR{key:02d}{siren}"}


def spanish_identifiers(rng: random.Random) -> dict:
    body = "B" + "".join(rng.choice("0123456789") for _ in range(7))
    number = body + cif.calc_check_digits(body)[0]
    return {"nif": number, "vat": f"ES{number}"}


def algerian_identifiers(rng: random.Random) -> dict:
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    return {
        "nif": digits(15),
        "nis": digits(15),
        "rc": f"{rng.randint(1, 48):02d}/00-{digits(7)}B{rng.randint(10, 24)}",
        "ai": digits(11),
    }


def nigerien_identifiers(rng: random.Random) -> dict:
    return {
        "nif": str(rng.randint(10000, 99999)),
        "rccm": f"NE-NIA-{rng.randint(2005, 2024)}-B-{rng.randint(100, 9999)}",
    }


IDENTIFIERS = {
    "FR": french_identifiers,
    "ES": spanish_identifiers,
    "DZ": algerian_identifiers,
    "NE": nigerien_identifiers,
}


def make_company(spec: dict, log) -> Company:
    fields = {k: v for k, v in spec.items() if k != "bank"}
    company = create_company(actor=None, **fields)
    add_bank_account(company, actor=None, **spec["bank"])
    seed_tax_codes(company, actor=None)
    User = get_user_model()
    country = company.country.lower()
    for role in data.ROLES:
        username = f"{role}-{country}"
        user = User.objects.filter(username=username).first() or create_user(
            actor=None,
            username=username,
            password=data.PASSWORD,
            email=f"{username}@ardoise.example",
        )
        set_membership(actor=None, user=user, company=company, role=role)
    log(f"company {company.code}: users " + ", ".join(f"{r}-{country}" for r in data.ROLES))
    return company


def standard_tax_code(company: Company) -> TaxCode:
    tax_code = (
        TaxCode.objects.filter(company=company, category="S", is_active=True)
        .order_by("-rate")
        .first()
    )
    if tax_code is None:
        raise TaxCode.DoesNotExist(f"Company {company.code} has no active standard tax code.")
    return tax_code


def make_products(company: Company) -> list:
    factor = data.PRICE_FACTOR.get(company.currency, Decimal(1))
    language = "es" if company.country == "ES" else "fr"
    tax_code = standard_tax_code(company)
    return [
        create_product(
            company,
            actor=None,
            code=code,
            name=names[language],
            kind=kind,
            unit=unit,
            unit_price=(price * factor).quantize(Decimal("0.01")),
            tax_code=tax_code.code,
        )
        for code, names, kind, unit, price in data.PRODUCTS
    ]


def make_customers(company: Company, count: int, rng: random.Random) -> list:
    customers = []
    names = data.NAMES[company.country]
    for n in range(count):
        postal_code, city = rng.choice(data.CITIES[company.country])
        language = company.language
        if company.country == "DZ" and n % 3 == 1:
            language = "ar"
        if company.country == "FR" and n % 5 == 4:
            language = "en"
        customers.append(
            create_customer(
                company,
                actor=None,
                code=f"C{n + 1:05d}",
                legal_name=f"{names[n % len(names)]}{'' if n < len(names) else f' {n + 1}'}",
                country=company.country,
                language=language,
                currency=company.currency,
                email=f"compta{n + 1}@client-{company.country.lower()}.example",
                identifiers=IDENTIFIERS[company.country](rng),
                billing_line1=f"{rng.randint(1, 120)} rue du Commerce",
                billing_postal_code=postal_code,
                billing_city=city,
                billing_country=company.country,
                payment_terms_days=rng.choice([30, 45, 60]),
                payment_terms_end_of_month=rng.random() < 0.3,
                business_line=rng.choice(data.BUSINESS_LINES),
            )
        )
    return customers


def clerk_of(company: Company):
    """Invoicing actions are taken by a real user of the company (the audit trail says who)."""
    return get_user_model().objects.get(username=f"clerk-{company.country.lower()}")


def make_invoices(company, customers, products, count: int, rng: random.Random, issue_share=0.7):
    """Drafts spread over the last months; the older ones issued in date order."""
    today = timezone.localdate()
    clerk = clerk_of(company)
    drafts = []
    for _ in range(count):
        lines = [
            {
                "product": product,
                "quantity": Decimal(rng.choice([1, 2, 3, 5, 8, 10])),
                "discount_percent": Decimal(rng.choice([0, 0, 0, 5, 10])),
            }
            for product in rng.sample(products, rng.randint(1, 3))
        ]
        drafts.append(
            create_draft(
                company,
                actor=clerk,
                customer=rng.choice(customers),
                lines=lines,
                purchase_order=f"BC-{rng.randint(1000, 9999)}",
            )
        )
    to_issue = drafts[: int(len(drafts) * issue_share)]
    start = today - datetime.timedelta(days=120)
    step = max(1, 120 // max(1, len(to_issue)))
    issued = [
        issue_invoice(
            invoice, actor=clerk, issue_date=min(today, start + datetime.timedelta(days=n * step))
        )
        for n, invoice in enumerate(to_issue)
    ]
    make_payments(company, clerk, issued, rng, today)
    return drafts


def make_payments(company, clerk, issued, rng: random.Random, today: datetime.date) -> None:
    """Customers pay about half of the older invoices, some in part, by transfer quoting the
    invoice number (so automatic matching finds it) or in cash."""
    for invoice in issued:
        age = (today - invoice.issue_date).days
        if age < 20 or rng.random() < 0.45:
            continue
        share = Decimal(1) if rng.random() < 0.75 else Decimal("0.6")
        method = "cash" if rng.random() < 0.15 else "transfer"
        record_payment(
            company,
            actor=clerk,
            customer=invoice.customer,
            amount=quantize(invoice.total * share, invoice.currency),
            currency=invoice.currency,
            date=min(today, invoice.issue_date + datetime.timedelta(days=rng.randint(10, 40))),
            method=method,
            reference=f"VIR {invoice.number}" if method == "transfer" else "",
            auto=True,
        )


def build_demo(customers: int, invoices: int, log=print, seed: int = 2026) -> None:
    rng = random.Random(seed)
    for spec in data.COMPANIES:
        company = make_company(spec, log)
        products = make_products(company)
        people = make_customers(company, customers, rng)
        made = make_invoices(company, people, products, invoices, rng)
        log(f"  {len(people)} customers, {len(products)} products, {len(made)} invoices")
