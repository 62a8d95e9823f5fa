from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "ardoise.pages"
    label = "pages"
