from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProtectionConfig(AppConfig):
    name = "himaya.protection"
    verbose_name = _("Data protection")

    def ready(self) -> None:
        from django.core.signals import request_finished
        from django.db.backends.signals import connection_created

        from himaya.accounts.navigation import NavItem, register
        from himaya.protection import rls
        from himaya.protection.queries import ERASURE_OFFICERS

        connection_created.connect(rls.on_connection_created, dispatch_uid="himaya-rls-connection")
        request_finished.connect(rls.on_request_finished, dispatch_uid="himaya-rls-request")
        register(NavItem("protection:erasure-list", _("Erasure requests"), ERASURE_OFFICERS,
                         "eraser", order=90, group="admin"))
