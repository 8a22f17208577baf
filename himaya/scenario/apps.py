from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScenarioConfig(AppConfig):
    name = "himaya.scenario"
    verbose_name = _("Reference scenario")
