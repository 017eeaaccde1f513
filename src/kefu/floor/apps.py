from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FloorConfig(AppConfig):
    name = "kefu.floor"
    label = "floor"
    verbose_name = _("Floor control")

    def ready(self) -> None:
        from kefu.floor import audit_sentences

        audit_sentences.register()

        # The presence figures of the metric dictionary (analytics imports no domain app).
        from kefu.analytics.metrics import sources
        from kefu.floor import presence_days

        sources.register_presence_source(presence_days.presence_days)
