from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "himaya.accounts"
    verbose_name = _("Accounts and access")

    def ready(self) -> None:
        from himaya.accounts import navigation, signals, token_cache  # noqa: F401
