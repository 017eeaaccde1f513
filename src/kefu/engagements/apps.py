from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementsConfig(AppConfig):
    name = "kefu.engagements"
    label = "engagements"
    verbose_name = _("Engagements")

    def ready(self) -> None:
        from kefu.engagements import audit_sentences

        audit_sentences.register()
