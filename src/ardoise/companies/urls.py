from django.urls import path

from . import views

app_name = "companies"

urlpatterns = [
    path("", views.company_settings, name="settings"),
    path("number-example/", views.number_example, name="number-example"),
    path("logo/", views.logo_upload, name="logo"),
    path("bank-accounts/add/", views.bank_account_add, name="bank-account-add"),
    path(
        "bank-accounts/<int:pk>/default/",
        views.bank_account_default,
        name="bank-account-default",
    ),
    path("bank-accounts/<int:pk>/remove/", views.bank_account_remove, name="bank-account-remove"),
    path("members/", views.members, name="members"),
    path("members/add/", views.member_add, name="member-add"),
    path("members/<int:pk>/role/", views.member_role, name="member-role"),
    path("members/<int:pk>/remove/", views.member_remove, name="member-remove"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
