from django.urls import path

from . import views

app_name = "products"

urlpatterns = [
    path("", views.product_list, name="list"),
    path("new/", views.product_create, name="create"),
    path("tax-codes/", views.tax_code_list, name="tax-codes"),
    path("<int:product_id>/", views.product_detail, name="detail"),
    path("<int:product_id>/edit/", views.product_edit, name="edit"),
    path("<int:product_id>/deactivate/", views.product_deactivate, name="deactivate"),
]
