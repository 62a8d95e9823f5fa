from django.urls import path

from . import views

app_name = "ledger"
urlpatterns = [
    path("periods/", views.periods, name="periods"),
    path("periods/<int:year>/<int:month>/reopen/", views.period_reopen, name="period-reopen"),
    path("<int:customer_id>/", views.customer_account, name="account"),
    path("<int:customer_id>/items/<int:item_id>/refund/", views.refund, name="refund"),
    path("<int:customer_id>/items/<int:item_id>/write-off/", views.write_off, name="write-off"),
]
