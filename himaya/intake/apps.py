from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "himaya.intake"
    verbose_name = _("Imports and field forms")
