from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "ardoise.companies"
    label = "companies"
    verbose_name = "Companies, users and tokens"
