from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "ardoise.demo"
    label = "demo"
