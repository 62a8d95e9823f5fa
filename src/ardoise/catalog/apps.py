from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "ardoise.catalog"
    label = "catalog"
