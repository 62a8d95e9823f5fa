import os
from pathlib import Path

import pytest
from django.test import Client

from ardoise.companies.services import create_token

from .factories import CompanyFactory, member


@pytest.fixture
def company(db):
    return CompanyFactory()


@pytest.fixture
def other_company(db):
    return CompanyFactory(code="other", legal_name="Autre Société SA")


@pytest.fixture
def clerk(company):
    return member(company, "clerk", "clerk")


@pytest.fixture
def approver(company):
    return member(company, "approver", "approver")


@pytest.fixture
def auditor(company):
    return member(company, "auditor", "auditor")


@pytest.fixture
def accountant(company):
    return member(company, "accountant", "accountant")


@pytest.fixture
def admin_user(company):
    return member(company, "admin", "boss")


class ApiClient:
    """Django test client speaking JSON with a bearer token."""

    def __init__(self, user):
        _token, raw = create_token(actor=None, user=user, name="test")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
        self.token = raw

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", params)

    def post(self, path, data=None, **headers):
        return self.client.post(
            f"/api/v1{path}", data or {}, content_type="application/json", headers=headers
        )

    def patch(self, path, data, **headers):
        return self.client.patch(
            f"/api/v1{path}", data, content_type="application/json", headers=headers
        )


@pytest.fixture
def api_as():
    return ApiClient


@pytest.fixture
def clerk_api(clerk):
    return ApiClient(clerk)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def chromium():
    """Debian's chromium driven by Playwright (never Playwright's own browser download).
    Missing chromium skips the test, except on CI where it fails it."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("/usr/bin/chromium is missing on CI: install Debian's chromium package.")
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium).")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
    # the test itself must still be allowed.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()
