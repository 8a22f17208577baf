from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "himaya.assistance"
    verbose_name = _("Assistance")

    def ready(self) -> None:
        from himaya.accounts.navigation import NavItem, register
        from himaya.accounts.roles import STAFF_AND_PARTNERS
        from himaya.assistance.queries import CHECK_IN_AGENTS, MEDICAL_COUNTERS, STOCK_READERS

        register(NavItem("assistance:delivery-list", _("Assistance"), STAFF_AND_PARTNERS, "box-seam", order=50, group="assistance"))
        register(NavItem("assistance:distribution-list", _("Distributions"), CHECK_IN_AGENTS, "truck", order=51, group="assistance"))
        register(NavItem("assistance:stock", _("Stock"), STOCK_READERS, "boxes", order=52, group="assistance"))
        register(NavItem("assistance:referral-list", _("Referrals"), MEDICAL_COUNTERS, "heart-pulse", order=53, group="assistance"))
