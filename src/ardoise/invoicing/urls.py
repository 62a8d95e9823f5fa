from django.urls import path

from . import views

app_name = "invoices"

urlpatterns = [
    path("", views.invoice_list, name="list"),
    path("new/", views.invoice_create, name="create"),
    path("totals/", views.invoice_totals, name="totals"),
    path("<int:invoice_id>/", views.invoice_detail, name="detail"),
    path("<int:invoice_id>/edit/", views.invoice_edit, name="edit"),
    path("<int:invoice_id>/delete/", views.invoice_delete, name="delete"),
    path("<int:invoice_id>/submit/", views.invoice_submit, name="submit"),
    path("<int:invoice_id>/approve/", views.invoice_approve, name="approve"),
    path("<int:invoice_id>/reject/", views.invoice_reject, name="reject"),
    path("<int:invoice_id>/issue/", views.invoice_issue, name="issue"),
    path("<int:invoice_id>/credit-note/", views.invoice_credit_note, name="credit-note"),
    path("<int:invoice_id>/pdf/", views.invoice_pdf, name="pdf"),
]
