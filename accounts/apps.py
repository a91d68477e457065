from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # Each app's privacy module registers what it exports of a user and connects what
        # it deletes when consent is withdrawn or the retention changes (accounts.signals).
        autodiscover_modules("privacy")
