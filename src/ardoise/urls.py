from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("ardoise.pages.urls")),
    path("", include("ardoise.api.urls")),
    # Each domain's staff pages (add one line per domain with a urls.py).
    path("customers/", include("ardoise.parties.urls")),
    path("products/", include("ardoise.catalog.urls")),
    path("invoices/", include("ardoise.invoicing.urls")),
    path("audit/", include("ardoise.audit.urls")),
    path("settings/", include("ardoise.companies.urls")),
    path("payments/", include("ardoise.payments.urls")),
    path("accounts/", include("ardoise.ledger.urls")),
    path("reports/", include("ardoise.reporting.urls")),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
