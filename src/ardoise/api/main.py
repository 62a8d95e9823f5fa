"""The HTTP API at /api/v1, assembled from each domain's routes.

Errors always come back as JSON: `{"detail": "...", "errors": [{"field", "rule", "message"}]}`.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from ardoise.catalog.api import router as catalog_router
from ardoise.companies.api import router as companies_router
from ardoise.core.errors import BusinessError
from ardoise.invoicing.api import router as invoicing_router
from ardoise.ledger.api import router as ledger_router
from ardoise.parties.api import router as parties_router
from ardoise.payments.api import router as payments_router
from ardoise.reporting.api import router as reporting_router
from ardoise.reporting.statement_api import router as statements_router

from .auth import BearerToken

api = NinjaAPI(
    title="Ardoise API",
    version="1",
    description="Order-to-cash: customers, catalog, invoices and credit notes.",
    auth=BearerToken(),
    urls_namespace="api-v1",
)


def _error(request, status: int, detail: str, errors: list[dict]):
    return api.create_response(request, {"detail": detail, "errors": errors}, status=status)


@api.exception_handler(BusinessError)
def on_business_error(request, exc: BusinessError):
    return _error(request, exc.status, exc.message, [e.as_dict() for e in exc.errors])


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    errors = []
    for item in exc.errors:
        location = [
            str(part)
            for part in item.get("loc", ())
            if part not in ("body", "query", "path", "payload")
        ]
        errors.append(
            {
                "field": ".".join(location) or "__all__",
                "rule": item.get("type", "invalid"),
                "message": item.get("msg", "invalid value"),
            }
        )
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "Invalid input"
    return _error(request, 422, detail, errors)


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    message = str(exc) or "You are not allowed to do this."
    return _error(
        request, 403, message, [{"field": "__all__", "rule": "forbidden", "message": message}]
    )


@api.exception_handler(Http404)
def on_not_found(request, exc):
    message = str(exc) or "Not found."
    return _error(
        request, 404, message, [{"field": "__all__", "rule": "not_found", "message": message}]
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    message = "Give a valid API token: Authorization: Bearer <token>."
    return _error(
        request,
        401,
        message,
        [{"field": "Authorization", "rule": "unauthenticated", "message": message}],
    )


api.add_router("/companies", companies_router)
api.add_router("/customers", parties_router)
api.add_router("/", catalog_router)
api.add_router("/invoices", invoicing_router)
api.add_router("/payments", payments_router)
# Routes under /allocations and /customers/{id}/ledger (ledger), /reports (reporting),
# /customers/{id}/statement (statements).
api.add_router("/", ledger_router)
api.add_router("/", reporting_router)
api.add_router("/", statements_router)
