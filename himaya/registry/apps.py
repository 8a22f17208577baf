from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "himaya.registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from himaya.accounts.navigation import NavItem, register
        from himaya.registry.queries import PERSON_READERS, REGISTRARS

        register(NavItem("registry:person-list", _("People"), PERSON_READERS, "people", order=10, group="registry"))
        register(NavItem("registry:person-register", _("Register a person"), REGISTRARS,
                         "person-plus", order=11, group="registry"))
        register(NavItem("registry:household-register", _("Register a household"), REGISTRARS,
                         "house-add", order=12, group="registry"))
