from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FloorConfig(AppConfig):
    name = "kefu.floor"
    label = "floor"
    verbose_name = _("Floor control")

    def ready(self) -> None:
        from kefu.floor import audit_sentences

        audit_sentences.register()
