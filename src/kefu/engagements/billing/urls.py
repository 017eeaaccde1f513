from django.urls import path

from kefu.engagements.billing import views

urlpatterns = [
    path("", views.invoice_list, name="invoices_list"),
    path("new/", views.invoice_new, name="invoices_new"),
    path("<int:invoice_id>/", views.invoice_detail, name="invoices_detail"),
    path("<int:invoice_id>/recompute/", views.recompute, name="invoices_recompute"),
    path("<int:invoice_id>/sales/", views.correct_sales, name="invoices_sales"),
    path("<int:invoice_id>/issue/", views.issue, name="invoices_issue"),
    path("<int:invoice_id>/dispute/", views.dispute, name="invoices_dispute"),
    path("<int:invoice_id>/resolve/", views.resolve, name="invoices_resolve"),
    path("<int:invoice_id>/pay/", views.pay, name="invoices_pay"),
    path("<int:invoice_id>/reconciliation/", views.reconciliation, name="invoices_reconciliation"),
    path("<int:invoice_id>/export/", views.export, name="invoices_export"),
]
