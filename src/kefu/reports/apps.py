from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "kefu.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from kefu.reports import audit_sentences  # the report audit codes as sentences

        audit_sentences.register()
        # The monthly review (and the dashboards) ask service level at each queue's own threshold:
        # the rollups keep those thresholds too (routing's configuration, read here because
        # analytics imports no domain app).
        from kefu.analytics import rollup_selectors
        from kefu.routing import selectors as routing_selectors
        from kefu.tenancy import selectors as tenancy_selectors

        def queue_thresholds() -> set[float]:
            clients = (
                tenancy_selectors.organization_list_all().filter(kind="client").values_list("pk", flat=True)
            )
            return {
                float(seconds)
                for client_id in clients
                for _name, _percent, seconds in routing_selectors.queue_service_level_targets(client_id)
            }

        rollup_selectors.register_threshold_source("routing.queues", queue_thresholds)
