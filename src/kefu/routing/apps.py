from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "kefu.routing"
    label = "routing"
    verbose_name = _("Routing")

    def ready(self) -> None:
        # Each queue's service-level target is what the dashboards compare service level with
        # (analytics imports no domain app, so routing tells it here).
        from kefu.analytics import dashboard_targets
        from kefu.routing import config_cache, selectors

        config_cache.connect()  # every write of the cached configuration changes its version

        def queue_targets(client_id: int, queue: str) -> list[dashboard_targets.Target]:
            rows = selectors.queue_service_level_targets(client_id)
            if queue:
                rows = [row for row in rows if row[0] == queue]
            chosen = dashboard_targets.strictest_service_level(rows)
            if chosen is None:
                return []
            name, percent, seconds = chosen
            return [
                dashboard_targets.Target(
                    "service_level", float(percent), "queue", threshold_s=float(seconds), queue=name
                )
            ]

        dashboard_targets.register_target_source("routing.queues", queue_targets)
