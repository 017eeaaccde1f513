from django.urls import path

from kefu.routing import views

urlpatterns = [
    path("queues/", views.queue_list, name="routing_queues"),
    path("queues/<int:queue_id>/", views.queue_detail, name="routing_queue"),
    path("presence/", views.presence_switch, name="routing_presence"),
]
