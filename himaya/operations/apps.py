from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "himaya.operations"
    verbose_name = "Operations"
