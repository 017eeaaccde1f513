from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "kefu.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from kefu.reports import audit_sentences  # the report audit codes as sentences

        audit_sentences.register()
