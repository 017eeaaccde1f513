"""Under `/connectors/`: the channel settings pages and the machine endpoints (CTI events,
inbound email)."""

from django.urls import path, re_path

from kefu.connectors import views

urlpatterns = [
    path("", views.channel_settings, name="channel_settings"),
    path("mailboxes/new/", views.mailbox_new, name="mailbox_new"),
    path("mailboxes/<int:mailbox_id>/", views.mailbox_edit, name="mailbox_edit"),
    path("mailboxes/<int:mailbox_id>/rotate-key/", views.mailbox_rotate_key, name="mailbox_rotate_key"),
    path("mailboxes/<int:mailbox_id>/test/", views.mailbox_check, name="mailbox_check"),
    path("phone/new/", views.cti_new, name="cti_new"),
    path("phone/<int:endpoint_id>/", views.cti_edit, name="cti_edit"),
    path("phone/<int:endpoint_id>/rotate-secret/", views.cti_rotate_secret, name="cti_rotate_secret"),
    path("webhooks/new/", views.webhook_new, name="webhook_new"),
    path("webhooks/<int:webhook_id>/", views.webhook_edit, name="webhook_edit"),
    path(
        "webhooks/<int:webhook_id>/rotate-secret/", views.webhook_rotate_secret, name="webhook_rotate_secret"
    ),
    re_path(r"^cti/(?P<endpoint_key>[A-Za-z0-9_-]{1,64})/events$", views.cti_events, name="cti_events"),
    re_path(r"^email/(?P<key>[A-Za-z0-9_-]{1,100})/inbound$", views.email_inbound, name="email_inbound"),
]
