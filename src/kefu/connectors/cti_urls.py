"""Machine endpoints of the channel adapters, under `/connectors/`."""

from django.urls import re_path

from kefu.connectors import views

urlpatterns = [
    re_path(r"^cti/(?P<endpoint_key>[A-Za-z0-9_-]{1,64})/events$", views.cti_events, name="cti_events"),
]
