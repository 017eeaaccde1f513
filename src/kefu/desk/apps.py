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

        # Routing's wake-ups (a contact queued, an agent freed) run the desk's assignment.
        from kefu.desk.services import assignment

        assignment.wire()
