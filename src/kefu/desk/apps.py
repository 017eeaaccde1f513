from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "kefu.desk"
    label = "desk"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        from kefu.desk import audit_sentences  # the desk's audit codes as sentences

        audit_sentences.register()
