from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("", views.payment_list, name="list"),
    path("new/", views.payment_create, name="create"),
    path("new/suggest/", views.payment_suggest, name="suggest"),
    path("<int:payment_id>/", views.payment_detail, name="detail"),
    path("<int:payment_id>/receipt/", views.payment_receipt, name="receipt"),
    path("<int:payment_id>/receipt/issue/", views.payment_issue_receipt, name="issue-receipt"),
]
