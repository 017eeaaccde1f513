import time
from collections.abc import Callable

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

THRESHOLDS_TTL_S = 30.0  # how long the thresholds the queues use are reused by the rollups' folder


class CachedThresholds:
    """A threshold source's answer kept for `ttl_s` seconds; `cache_clear` forgets it (tests)."""

    def __init__(self, source: Callable[[], set[float]], ttl_s: float) -> None:
        self.source, self.ttl_s = source, ttl_s
        self.kept: tuple[float, set[float]] | None = None

    def __call__(self) -> set[float]:
        if self.kept is None or time.monotonic() - self.kept[0] >= self.ttl_s:
            self.kept = (time.monotonic(), self.source())
        return set(self.kept[1])

    def cache_clear(self) -> None:
        self.kept = None


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

        # One routing query per client, and the folder asks on every run (every 15 s; every second
        # in bench/ingest.py): the answer is kept THRESHOLDS_TTL_S. A threshold configured meanwhile
        # is backfilled that much later; until then its figures are read from the events.
        rollup_selectors.register_threshold_source(
            "routing.queues", CachedThresholds(queue_thresholds, THRESHOLDS_TTL_S)
        )
