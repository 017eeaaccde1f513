from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "kefu.desk"
    label = "desk"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        # A client's calendar days (for its figures) begin in the time zone of its service
        # calendar, which the desk owns; analytics imports no domain app, so it is told here.
        from kefu.analytics.metrics import timezones
        from kefu.desk.selectors import calendars

        timezones.register_client_time_zone(lambda client_id: calendars.service_calendar_for(client_id).tz)

        from kefu.desk import audit_sentences  # the desk's audit codes as sentences

        audit_sentences.register()

        # The event log's daily digests are cut at midnight of the client's own time zone.
        from kefu.analytics import sealing

        sealing.register_client_zone(calendars.client_zone_name)

        # The client's SLA policy is what the dashboards compare response times with, until
        # contracts hold SLA terms.
        from kefu.analytics import dashboard_targets
        from kefu.desk.selectors import client_settings

        def policy_targets(client_id: int, queue: str) -> list[dashboard_targets.Target]:
            policy = client_settings.sla_policy_for(client_id, "chat")
            if policy is None:
                return []
            source = "sla_policy"
            found = [dashboard_targets.Target("first_response_time", float(policy.first_response_s), source)]
            if policy.next_response_s:
                found.append(
                    dashboard_targets.Target("next_response_time", float(policy.next_response_s), source)
                )
            return found

        dashboard_targets.register_target_source("desk.sla_policy", policy_targets)
        # SLA compliance counts the timers the desk replays from the event log (metrics/sources.py).
        from kefu.analytics.metrics import sources
        from kefu.desk.selectors import sla as sla_selectors

        sources.register_sla_source(sla_selectors.sla_outcomes)
        # Routing's wake-ups (a contact queued, an agent freed) run the desk's assignment.
        from kefu.desk.services import assignment

        assignment.wire()
