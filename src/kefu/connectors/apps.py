from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectorsConfig(AppConfig):
    name = "kefu.connectors"
    label = "connectors"
    verbose_name = _("Channels")

    def ready(self) -> None:
        """Every contact event is offered to the outbound-webhook outbox after commit, and agents'
        replies on email conversations to the email outbox."""
        from kefu.analytics import events
        from kefu.connectors import email, webhooks

        events.register_sink(webhooks.enqueue_events, wants=webhooks.may_want)
        events.register_sink(email.enqueue_replies, wants=email.may_want)
