from django.urls import path

from kefu.analytics import event_log_views

urlpatterns = [
    path("", event_log_views.event_log_digests, name="event_log_digests"),
]
