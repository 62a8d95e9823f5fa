from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "ardoise.parties"
    label = "parties"
