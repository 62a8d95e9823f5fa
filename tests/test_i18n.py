"""The staff UI in French, Spanish and Arabic: language switcher, catalogs, right-to-left."""

import contextlib
import fcntl
import re
import tempfile
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils.translation import trans_real

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
LANGUAGES = ("fr", "es", "ar")
PO_FILES = [LOCALE_DIR / lang / "LC_MESSAGES" / "django.po" for lang in LANGUAGES]

# The invoice list's title in each language.
INVOICES_TITLE = {"en": "Invoices", "fr": "Factures", "es": "Facturas", "ar": "الفواتير"}


def _stale(po: Path) -> bool:
    mo = po.with_suffix(".mo")
    return not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs():
    """Compile the .po files (build output, not committed) when a .mo is missing or stale.

    A file lock keeps parallel xdist workers from writing the same .mo at once; compiling from
    the package directory keeps compilemessages away from the virtualenv's own catalogs.
    """
    lock_path = Path(tempfile.gettempdir()) / "ardoise-compilemessages.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if any(_stale(po) for po in PO_FILES):
                with contextlib.chdir(LOCALE_DIR.parent):
                    call_command("compilemessages", verbosity=0)
                # Catalogs loaded before the compilation would otherwise stay empty.
                trans_real._translations = {}
                trans_real._default = None
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _switch(client, language, next_url="/invoices/"):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


@pytest.mark.parametrize("language", ["fr", "es", "ar"])
def test_switching_language_translates_the_invoice_list(client, company, clerk, language):
    client.force_login(clerk)
    response = _switch(client, language)
    assert response.status_code == 302
    assert response["Location"] == "/invoices/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == language

    page = client.get("/invoices/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f"<h1>{INVOICES_TITLE[language]}</h1>" in html
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in html
    # The switcher shows the chosen language as selected.
    assert f'<option value="{language}" lang="{language}"' in html
    assert "selected>" in html.split(f'<option value="{language}"', 1)[1].split("</option>", 1)[0]


def test_arabic_pages_are_right_to_left(client, company, clerk):
    client.force_login(clerk)
    _switch(client, "ar")
    for url in ("/invoices/", "/customers/", "/products/", "/"):
        html = client.get(url).content.decode()
        assert '<html lang="ar" dir="rtl">' in html, url


def test_accept_language_header_is_honoured(client, company, clerk):
    client.force_login(clerk)
    html = client.get("/invoices/", headers={"accept-language": "es-ES,es;q=0.9"}).content.decode()
    assert "<h1>Facturas</h1>" in html
    assert '<html lang="es" dir="ltr">' in html


def test_back_to_english(client, company, clerk):
    client.force_login(clerk)
    _switch(client, "fr")
    _switch(client, "en")
    html = client.get("/invoices/").content.decode()
    assert "<h1>Invoices</h1>" in html
    assert '<html lang="en" dir="ltr">' in html


def test_login_page_offers_the_switcher(client):
    html = client.get("/login/?next=/invoices/").content.decode()
    assert f'action="{reverse("set_language")}"' in html
    for code, _name in settings.LANGUAGES:
        assert f'<option value="{code}"' in html
    response = _switch(client, "ar", next_url="/login/?next=/invoices/")
    assert response["Location"] == "/login/?next=/invoices/"
    html = client.get("/login/?next=/invoices/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "تسجيل الدخول" in html


def test_switcher_refuses_foreign_redirects(client):
    response = _switch(client, "fr", next_url="https://evil.example/")
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_language_outlives_logout(client, company, clerk):
    client.force_login(clerk)
    _switch(client, "fr")
    response = client.post("/logout/")
    html = client.get(response["Location"]).content.decode()
    assert "Se connecter" in html


@pytest.mark.parametrize("po_path", PO_FILES, ids=LANGUAGES)
def test_catalog_is_complete(po_path):
    with open(po_path, "rb") as handle:
        catalog = read_po(handle)
    assert not catalog.fuzzy, "the header is marked fuzzy"
    untranslated, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            fuzzy.append(message.id)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            untranslated.append(message.id)
    assert not untranslated, f"untranslated in {po_path}: {untranslated}"
    assert not fuzzy, f"fuzzy in {po_path}: {fuzzy}"


@pytest.mark.parametrize("po_path", PO_FILES, ids=LANGUAGES)
def test_catalog_keeps_placeholders(po_path):
    placeholder = re.compile(r"%\([^)]+\)[sd]|%%")
    with open(po_path, "rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = sorted(placeholder.findall(ids[-1]))
        for translated in strings:
            assert sorted(placeholder.findall(translated)) == expected, (message.id, translated)


def test_arabic_catalog_keeps_six_plural_forms():
    with open(LOCALE_DIR / "ar" / "LC_MESSAGES" / "django.po", "rb") as handle:
        catalog = read_po(handle)
    assert catalog.num_plurals == 6
