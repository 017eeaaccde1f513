from django.urls import path

from kefu.engagements.quoting import views

urlpatterns = [
    path("", views.intake_list, name="engagements_quotes"),
    path("intakes/new/", views.intake_edit, name="engagements_intake_new"),
    path("intakes/<int:intake_id>/", views.intake_detail, name="engagements_intake"),
    path("intakes/<int:intake_id>/edit/", views.intake_edit, name="engagements_intake_edit"),
    path("intakes/<int:intake_id>/rfq/", views.rfq_new, name="engagements_rfq_new"),
    path("rfq/<int:rfq_id>/", views.rfq_detail, name="engagements_rfq"),
    path("<int:quote_id>/", views.quote_detail, name="engagements_quote"),
    path("<int:quote_id>/send/", views.quote_send, name="engagements_quote_send"),
    path("<int:quote_id>/decide/", views.quote_decide, name="engagements_quote_decide"),
    path("<int:quote_id>/pdf/", views.quote_pdf, name="engagements_quote_pdf"),
    path("cost-models/", views.cost_model_list, name="engagements_cost_models"),
    path("cost-models/new/", views.cost_model_edit, name="engagements_cost_model_new"),
    path("cost-models/<int:cost_model_id>/", views.cost_model_edit, name="engagements_cost_model"),
]
