from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VouchersConfig(AppConfig):
    name = "himaya.vouchers"
    verbose_name = _("Vouchers")

    def ready(self) -> None:
        from himaya.accounts.navigation import NavItem, register
        from himaya.accounts.roles import MISSION_STAFF, PARTNER_STAFF, Role

        vendor = frozenset({Role.VENDOR})
        register(NavItem("vouchers:redeem", _("Redeem a voucher"), vendor, "upc-scan", order=5))
        register(NavItem("vouchers:vendor-redemptions", _("My redemptions"), vendor, "receipt", order=6))
        register(NavItem("vouchers:voucher-list", _("Vouchers"), MISSION_STAFF | PARTNER_STAFF,
                         "ticket", order=54, group="assistance"))
        register(NavItem("vouchers:statement-list", _("Statements"), MISSION_STAFF | vendor,
                         "file-text", order=55, group="assistance"))
        register(NavItem("vouchers:programme", _("Vouchers: reconciliation"), MISSION_STAFF,
                         "graph-up", order=56, group="assistance"))
        register(NavItem("vouchers:vendor-list", _("Vendors"), frozenset({Role.MISSION_ADMIN, Role.PROGRAMME_MANAGER}),
                         "shop", order=57, group="assistance"))
