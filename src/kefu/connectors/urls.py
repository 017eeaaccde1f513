from django.urls import re_path

from kefu.connectors import views

KEY = r"(?P<widget_key>[A-Za-z0-9_-]{8,64})"

urlpatterns = [
    re_path(rf"^{KEY}\.js$", views.widget_js, name="widget_js"),
    re_path(rf"^{KEY}/offline$", views.widget_offline, name="widget_offline"),
]
