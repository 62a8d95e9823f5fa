from django.urls import path

from . import views

app_name = "reporting"
urlpatterns = [
    path("aged-balance/", views.aged_balance_page, name="aged-balance"),
    path("aged-balance/export/", views.aged_balance_export, name="aged-balance-export"),
    path("statement/<int:customer_id>/", views.statement_page, name="statement"),
]
