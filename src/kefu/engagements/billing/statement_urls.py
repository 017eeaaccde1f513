from django.urls import path

from kefu.engagements.billing import statement_views as views

urlpatterns = [
    path("", views.statement_list, name="sales_statements_list"),
    path("new/", views.statement_new, name="sales_statements_new"),
    path("<int:sales_statement_id>/", views.statement_detail, name="sales_statements_detail"),
    path("<int:sales_statement_id>/confirm/", views.confirm, name="sales_statements_confirm"),
    path("<int:sales_statement_id>/dispute/", views.dispute, name="sales_statements_dispute"),
]
