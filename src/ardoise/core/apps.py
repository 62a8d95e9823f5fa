from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ardoise.core"
    label = "core"
    verbose_name = "Ardoise core"
