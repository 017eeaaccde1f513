from django.urls import path, re_path

from kefu.connectors import views, widget_views

KEY = r"(?P<widget_key>[A-Za-z0-9_-]{8,64})"

urlpatterns = [
    path("", widget_views.widget_list_page, name="widget_list"),
    path("new/", widget_views.widget_new, name="widget_new"),
    path("<int:widget_id>/", widget_views.widget_edit, name="widget_edit"),
    path("<int:widget_id>/rotate-key/", widget_views.widget_rotate_key, name="widget_rotate_key"),
    path("<int:widget_id>/try/", views.widget_try, name="widget_try"),
    re_path(rf"^{KEY}\.js$", views.widget_js, name="widget_js"),
    re_path(rf"^{KEY}/offline$", views.widget_offline, name="widget_offline"),
]
