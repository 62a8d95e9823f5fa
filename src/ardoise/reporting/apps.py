from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "ardoise.reporting"
    label = "reporting"
