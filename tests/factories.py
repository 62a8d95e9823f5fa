"""Factories for test data. Real rows in the real database, never mocks."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from ardoise.catalog.models import Product, TaxCode
from ardoise.core.models import Company, Membership
from ardoise.parties.models import Customer


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    code = factory.Sequence(lambda n: f"co-{n}")
    legal_name = factory.Sequence(lambda n: f"Atelier {n} SAS")
    legal_form = "SAS"
    share_capital = "10 000 €"
    country = "FR"
    currency = "EUR"
    language = "fr"
    address_line1 = "12 rue des Lilas"
    postal_code = "75011"
    city = "Paris"
    email = "factures@atelier.example"
    identifiers = factory.LazyFunction(
        lambda: {
            "siren": "732829320",
            "siret": "73282932000074",
            "vat": "FR44732829320",
            "rcs": "Paris",
        }
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "secret-pass")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


def member(company: Company, role: str, username: str | None = None):
    user = UserFactory(username=username) if username else UserFactory()
    Membership.objects.create(user=user, company=company, role=role)
    return user


class TaxCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaxCode

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"S20-{n}")
    name = "TVA 20 %"
    country = "FR"
    category = "S"
    rate = Decimal("20")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"C{n:05d}")
    legal_name = factory.Sequence(lambda n: f"Client {n} SARL")
    country = "FR"
    language = "fr"
    currency = "EUR"
    email = factory.Sequence(lambda n: f"compta{n}@client.example")
    identifiers = factory.LazyFunction(
        lambda: {"siren": "552100554", "siret": "55210055400013", "vat": "FR96552100554"}
    )
    billing_line1 = "5 avenue de la Gare"
    billing_postal_code = "69002"
    billing_city = "Lyon"
    billing_country = "FR"
    payment_terms_days = 30


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"P{n:04d}")
    name = factory.Sequence(lambda n: f"Prestation {n}")
    unit = "HUR"
    unit_price = Decimal("80.00")
    tax_code = factory.SubFactory(TaxCodeFactory, company=factory.SelfAttribute("..company"))
