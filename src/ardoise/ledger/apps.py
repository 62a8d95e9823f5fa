from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ardoise.ledger"
    label = "ledger"
