from django.urls import path

from kefu.engagements.contracts import views

urlpatterns = [
    path("", views.contract_list, name="contracts_list"),
    path("new/", views.contract_new, name="contracts_new"),
    path("<int:contract_id>/", views.contract_detail, name="contracts_detail"),
    path("<int:contract_id>/edit/", views.contract_edit, name="contracts_edit"),
    path("<int:contract_id>/terms/", views.term_add, name="contracts_term_add"),
    path("<int:contract_id>/terms/<int:term_id>/remove/", views.term_remove, name="contracts_term_remove"),
    path("<int:contract_id>/approve/", views.approve, name="contracts_approve"),
    path("<int:contract_id>/amend/", views.amend, name="contracts_amend"),
    path("<int:contract_id>/standing/", views.contract_standing, name="contracts_standing"),
]
