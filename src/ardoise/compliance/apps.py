from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "ardoise.compliance"
    label = "compliance"
