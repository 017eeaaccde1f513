from django.urls import path

from kefu.desk import case_views, sla_views, views

urlpatterns = [
    path("", views.inbox, name="desk_inbox"),
    path("inbox/", views.inbox_partial, name="desk_inbox_partial"),
    path("mine/", views.my_conversations, name="desk_mine"),
    path("c/<int:conversation_id>/", views.conversation, name="desk_conversation"),
    path("c/<int:conversation_id>/messages/", views.messages_partial, name="desk_messages"),
    path("c/<int:conversation_id>/side/", views.side_partial, name="desk_side"),
    path("c/<int:conversation_id>/reply/", views.reply, name="desk_reply"),
    path("c/<int:conversation_id>/assign/", views.assign, name="desk_assign"),
    path("c/<int:conversation_id>/status/", views.set_status, name="desk_status"),
    path("c/<int:conversation_id>/unmask/", views.unmask, name="desk_unmask"),
    path("c/<int:conversation_id>/escalate/", views.escalate, name="desk_escalate"),
    path("c/<int:conversation_id>/deescalate/", views.deescalate, name="desk_deescalate"),
    path("c/<int:conversation_id>/tags/", views.tags, name="desk_tags"),
    path("c/<int:conversation_id>/resolution-code/", views.resolution_code, name="desk_resolution_code"),
    path("c/<int:conversation_id>/read/", views.mark_read, name="desk_read"),
    path("files/<int:attachment_id>/", views.attachment_download, name="desk_attachment"),
    path("cases/", case_views.case_list, name="desk_cases"),
    path("cases/<int:case_id>/", case_views.case_detail, name="desk_case"),
    path("c/<int:conversation_id>/case/", case_views.case_create, name="desk_case_create"),
    path("sla/", sla_views.sla_settings, name="desk_sla"),
    path("sla/policies/<int:policy_id>/", sla_views.sla_policy_edit, name="desk_sla_policy"),
    path("settings/", views.desk_settings, name="desk_settings"),
    path("settings/statuses/<int:status_id>/", views.custom_status_edit, name="desk_custom_status"),
    path("settings/categories/<int:category_id>/", views.category_edit, name="desk_category"),
]
