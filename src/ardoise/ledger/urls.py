from django.urls import path

from . import views

app_name = "ledger"
urlpatterns = [
    path("<int:customer_id>/", views.customer_account, name="account"),
]
