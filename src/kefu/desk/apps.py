from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "kefu.desk"
    label = "desk"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        """The event log's daily digests are cut at midnight of the client's own time zone."""
        from kefu.analytics import sealing
        from kefu.desk.selectors import calendars

        sealing.register_client_zone(calendars.client_zone_name)
