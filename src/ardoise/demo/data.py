"""Demo companies, one per jurisdiction, with realistic (valid) identifiers and bank accounts."""

from decimal import Decimal

COMPANIES = [
    {
        "code": "demo-fr",
        "legal_name": "Atelier Ardoise SAS",
        "legal_form": "SAS",
        "share_capital": "50 000 €",
        "country": "FR",
        "currency": "EUR",
        "language": "fr",
        "address_line1": "12 rue des Lilas",
        "postal_code": "75011",
        "city": "Paris",
        "email": "facturation@atelier-ardoise.example",
        "phone": "+33 1 23 45 67 89",
        "identifiers": {
            "siren": "732829320",
            "siret": "73282932000074",
            "vat": "FR44732829320",
            "rcs": "Paris",
        },
        "bank": {
            "label": "Compte courant",
            "bank_name": "Crédit Agricole",
            "iban": "FR7630006000011234567890189",
            "bic": "AGRIFRPP",
        },
    },
    {
        "code": "demo-dz",
        "legal_name": "Ardoise Algérie SARL",
        "legal_form": "SARL",
        "share_capital": "1 000 000 DA",
        "country": "DZ",
        "currency": "DZD",
        "language": "fr",
        "address_line1": "15 boulevard Zighoud Youcef",
        "postal_code": "16000",
        "city": "Alger",
        "email": "factures@ardoise-dz.example",
        "identifiers": {
            "nif": "000016001234567",
            "nis": "000116010012345",
            "rc": "16/00-0123456B19",
            "ai": "16012345678",
        },
        "bank": {
            "label": "Compte BNA",
            "bank_name": "Banque Nationale d'Algérie",
            "iban": "DZ580002100001113000000570",
            "bic": "",
        },
    },
    {
        "code": "demo-es",
        "legal_name": "Pizarra Facturación S.L.",
        "legal_form": "S.L.",
        "share_capital": "3.000 €",
        "country": "ES",
        "currency": "EUR",
        "language": "es",
        "address_line1": "Calle de Alcalá 45",
        "postal_code": "28014",
        "city": "Madrid",
        "email": "facturas@pizarra.example",
        "identifiers": {"nif": "B58378431", "vat": "ESB58378431"},
        "bank": {
            "label": "Cuenta principal",
            "bank_name": "CaixaBank",
            "iban": "ES9121000418450200051332",
            "bic": "CAIXESBBXXX",
        },
    },
    {
        "code": "demo-ne",
        "legal_name": "Ardoise Niger SA",
        "legal_form": "SA",
        "share_capital": "10 000 000 FCFA",
        "country": "NE",
        "currency": "XOF",
        "language": "fr",
        "address_line1": "Avenue de la Mairie",
        "postal_code": "BP 10234",
        "city": "Niamey",
        "email": "factures@ardoise-ne.example",
        "identifiers": {"nif": "12345", "rccm": "NE-NIA-2019-B-1234"},
        "bank": {
            "label": "Compte BOA",
            "bank_name": "Bank of Africa Niger",
            "iban": "NE58NE0380100100130305000268",
            "bic": "",
        },
    },
]

ROLES = ["admin", "clerk", "approver", "accountant", "auditor"]
PASSWORD = "ardoise"

# (code, name, kind, unit, price) per company currency: prices scale for DZD/XOF.
PRODUCTS = [
    (
        "CONSEIL",
        {"fr": "Conseil (jour)", "es": "Consultoría (día)"},
        "service",
        "DAY",
        Decimal("850"),
    ),
    (
        "DEV",
        {"fr": "Développement (heure)", "es": "Desarrollo (hora)"},
        "service",
        "HUR",
        Decimal("95"),
    ),
    (
        "FORMATION",
        {"fr": "Formation (session)", "es": "Formación (sesión)"},
        "service",
        "C62",
        Decimal("1200"),
    ),
    (
        "LICENCE",
        {"fr": "Licence logicielle annuelle", "es": "Licencia anual"},
        "goods",
        "ANN",
        Decimal("480"),
    ),
    (
        "SUPPORT",
        {"fr": "Support mensuel", "es": "Soporte mensual"},
        "service",
        "MON",
        Decimal("150"),
    ),
]
PRICE_FACTOR = {"EUR": Decimal(1), "DZD": Decimal(145), "XOF": Decimal(655)}

CITIES = {
    "FR": [("75008", "Paris"), ("69002", "Lyon"), ("13001", "Marseille"), ("31000", "Toulouse")],
    "DZ": [("16000", "Alger"), ("31000", "Oran"), ("25000", "Constantine")],
    "ES": [("28001", "Madrid"), ("08001", "Barcelona"), ("41001", "Sevilla")],
    "NE": [("BP 11", "Niamey"), ("BP 52", "Zinder"), ("BP 73", "Maradi")],
}
NAMES = {
    "FR": [
        "Boulangerie Martin",
        "Garage Dupont",
        "Cabinet Leroy",
        "Transports Moreau",
        "Imprimerie Petit",
    ],
    "DZ": [
        "Sonatrach Services",
        "Djezzy Pro",
        "Cevital Agro",
        "Groupe Benamor",
        "Condor Electronics",
    ],
    "ES": [
        "Construcciones García",
        "Panadería López",
        "Talleres Martínez",
        "Bodegas Sánchez",
        "Hotel Ruiz",
    ],
    "NE": [
        "Société Nigérienne de Ciment",
        "Orange Niger",
        "Boulangerie Sahel",
        "Transports Maïga",
        "Hôtel Gaweye",
    ],
}
BUSINESS_LINES = ["Conseil", "Logiciel", "Formation"]
