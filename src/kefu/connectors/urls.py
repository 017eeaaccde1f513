from django.urls import path, re_path

from kefu.connectors import views

KEY = r"(?P<widget_key>[A-Za-z0-9_-]{8,64})"

urlpatterns = [
    path("", views.widget_list_page, name="widget_list"),
    path("<int:widget_id>/try/", views.widget_try, name="widget_try"),
    re_path(rf"^{KEY}\.js$", views.widget_js, name="widget_js"),
    re_path(rf"^{KEY}/offline$", views.widget_offline, name="widget_offline"),
]
