"""Company settings, bank accounts, members and API token pages, clicked through the Django
test client by the company's administrator and by members with other roles."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from PIL import Image

from ardoise.audit.models import AuditEvent
from ardoise.companies.services import add_bank_account, company_snapshot, create_token
from ardoise.core.models import ApiToken, BankAccount, Company, Membership, hash_token

from .factories import member

SETTINGS = {
    "legal_name": "Atelier Moreau SAS",
    "trade_name": "Atelier Moreau",
    "legal_form": "SAS",
    "share_capital": "20 000 €",
    "address_line1": "12 rue des Lilas",
    "address_line2": "",
    "postal_code": "75011",
    "city": "Paris",
    "language": "fr",
    "email": "factures@moreau.example",
    "phone": "+33 1 23 45 67 89",
    "website": "https://moreau.example",
    "siren": "732 829 320",
    "siret": "73282932000074",
    "vat": "FR44732829320",
    "rcs": "Paris",
    "invoice_footer": "Merci de votre confiance.",
    "invoice_terms": "Pénalités de retard : 3 fois le taux légal.",
    "invoice_number_pattern": "F{yy}-{seq:05d}",
    "credit_note_number_pattern": "AV-{year}-{seq:06d}",
    "approval_mode": "threshold",
    "approval_threshold": "5000.00",
}


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def png_bytes(size=(40, 20), image_format="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (36, 80, 143)).save(buffer, format=image_format)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.django_db
class TestSettings:
    def test_admin_edits_settings_and_the_change_is_audited(self, admin_client, company):
        page = admin_client.get(reverse("companies:settings"))
        assert page.status_code == 200
        assert [f.name for f in page.context["form"].identifier_fields()] == [
            "siren",
            "siret",
            "vat",
            "rcs",
        ]

        response = admin_client.post(reverse("companies:settings"), SETTINGS)

        assert response.status_code == 302
        company.refresh_from_db()
        assert company.trade_name == "Atelier Moreau"
        assert company.identifiers["siren"] == "732829320"
        assert company.invoice_number_pattern == "F{yy}-{seq:05d}"
        assert (company.approval_mode, company.approval_threshold) == (
            "threshold",
            Decimal("5000"),
        )
        event = AuditEvent.objects.get(action="company.update", object_id=str(company.pk))
        assert event.before["trade_name"] == ""
        assert event.after["trade_name"] == "Atelier Moreau"
        assert event.actor_label == "boss"

    def test_example_number_follows_the_pattern(self, admin_client, company):
        response = admin_client.get(
            reverse("companies:number-example"), {"invoice_number_pattern": "X-{seq:03d}"}
        )
        assert "X-001" in response.content.decode()
        broken = admin_client.get(
            reverse("companies:number-example"), {"invoice_number_pattern": "X-{nope}"}
        )
        assert "cannot give a number" in broken.content.decode()

    def test_bad_input_is_shown_by_each_field_and_nothing_changes(self, admin_client, company):
        before = company_snapshot(company)
        data = SETTINGS | {
            "legal_name": "",
            "siren": "732829321",
            "invoice_number_pattern": "FA-{year}",
            "approval_threshold": "",
            "email": "not-an-email",
        }

        response = admin_client.post(reverse("companies:settings"), data)

        assert response.status_code == 422
        errors = response.context["form"].errors
        assert set(errors) == {
            "legal_name",
            "siren",
            "invoice_number_pattern",
            "approval_threshold",
            "email",
        }
        assert "checksum" in errors["siren"][0]
        company.refresh_from_db()
        assert company_snapshot(company) == before
        assert not AuditEvent.objects.filter(action="company.update").exists()

    @pytest.mark.parametrize("threshold", ["abc", "-5", "0"])
    def test_threshold_must_be_a_positive_decimal(self, admin_client, company, threshold):
        response = admin_client.post(
            reverse("companies:settings"), SETTINGS | {"approval_threshold": threshold}
        )
        assert response.status_code == 422
        assert "approval_threshold" in response.context["form"].errors
        company.refresh_from_db()
        assert company.approval_mode == "none"

    def test_clerk_is_refused_and_nothing_changes(self, clerk_client, company):
        before = company_snapshot(company)
        assert clerk_client.get(reverse("companies:settings")).status_code == 403
        response = clerk_client.post(reverse("companies:settings"), SETTINGS)
        assert response.status_code == 403
        company.refresh_from_db()
        assert company_snapshot(company) == before
        assert AuditEvent.objects.count() == 0

    def test_settings_link_only_for_administrators(self, client, clerk, admin_user):
        client.force_login(clerk)
        nav = [item["url"] for item in client.get(reverse("home")).context["nav_items"]]
        assert reverse("companies:settings") not in nav
        # Everyone reaches their own tokens from their name in the header.
        assert reverse("companies:tokens") in client.get(reverse("home")).content.decode()
        client.force_login(admin_user)
        nav = [item["url"] for item in client.get(reverse("home")).context["nav_items"]]
        assert reverse("companies:settings") in nav


@pytest.mark.django_db
class TestLogo:
    def test_small_png_is_stored_and_its_hash_audited(self, admin_client, company, media):
        content = png_bytes()
        response = admin_client.post(
            reverse("companies:logo"), {"logo": upload("logo.png", content)}
        )
        assert response.status_code == 302
        company.refresh_from_db()
        assert company.logo.name.startswith("logos/") and company.logo.name.endswith(".png")
        with open(company.logo.path, "rb") as stored:
            assert stored.read() == content
        event = AuditEvent.objects.get(action="company.logo.set")
        assert event.after["format"] == "PNG"
        import hashlib

        assert event.after["sha256"] == hashlib.sha256(content).hexdigest()

    def test_jpeg_is_accepted(self, admin_client, company, media):
        content = png_bytes(image_format="JPEG")
        response = admin_client.post(
            reverse("companies:logo"), {"logo": upload("logo.jpg", content, "image/jpeg")}
        )
        assert response.status_code == 302
        company.refresh_from_db()
        assert company.logo.name.endswith(".jpg")

    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            ("logo.png", b"just some text, not an image", "not a PNG or JPEG"),
            ("logo.gif", None, "must be a PNG or JPEG"),
            ("big.png", b"\x89PNG" + b"0" * (1024 * 1024), "at most 1 MB"),
        ],
    )
    def test_other_files_are_refused(self, admin_client, company, media, name, content, message):
        if content is None:
            buffer = io.BytesIO()
            Image.new("RGB", (10, 10)).save(buffer, format="GIF")
            content = buffer.getvalue()
        response = admin_client.post(reverse("companies:logo"), {"logo": upload(name, content)})
        assert response.status_code == 422
        assert message in response.context["logo_form"].errors["logo"][0]
        company.refresh_from_db()
        assert not company.logo
        assert not AuditEvent.objects.filter(action="company.logo.set").exists()
        assert list(media.iterdir()) == []


@pytest.mark.django_db
class TestBankAccounts:
    def test_add_make_default_and_remove(self, admin_client, company):
        response = admin_client.post(
            reverse("companies:bank-account-add"),
            {"label": "Main", "iban": "FR76 3000 6000 0112 3456 7890 189", "bic": "AGRIFRPP"},
        )
        assert response.status_code == 302
        main = BankAccount.objects.get(company=company)
        assert (main.iban, main.is_default) == ("FR7630006000011234567890189", True)
        admin_client.post(
            reverse("companies:bank-account-add"),
            {"label": "Savings", "iban": "DE89370400440532013000"},
        )
        savings = BankAccount.objects.get(company=company, label="Savings")
        assert not savings.is_default

        admin_client.post(reverse("companies:bank-account-default", args=[savings.pk]))
        assert list(
            BankAccount.objects.filter(company=company, is_default=True).values_list(
                "label", flat=True
            )
        ) == ["Savings"]

        admin_client.post(reverse("companies:bank-account-remove", args=[savings.pk]))
        main.refresh_from_db()
        assert main.is_default
        assert BankAccount.objects.filter(company=company).count() == 1
        actions = list(
            AuditEvent.objects.filter(action__startswith="company.bank_account").values_list(
                "action", flat=True
            )
        )
        assert actions == [
            "company.bank_account.add",
            "company.bank_account.add",
            "company.bank_account.default",
            "company.bank_account.remove",
            "company.bank_account.default",
        ]

    def test_bad_iban_is_shown_and_nothing_is_added(self, admin_client, company):
        response = admin_client.post(
            reverse("companies:bank-account-add"),
            {"label": "", "iban": "FR7630006000011234567890188", "bic": "ZZ"},
        )
        assert response.status_code == 422
        assert set(response.context["bank_form"].errors) == {"label", "iban", "bic"}
        assert not BankAccount.objects.exists()

    def test_accounts_of_another_company_are_not_found(self, admin_client, company, other_company):
        foreign = add_bank_account(
            other_company, actor=None, label="Theirs", iban="DE89370400440532013000"
        )
        url = reverse("companies:bank-account-remove", args=[foreign.pk])
        assert admin_client.post(url).status_code == 404
        assert BankAccount.objects.filter(pk=foreign.pk).exists()

    def test_clerk_cannot_add_an_account(self, clerk_client, company):
        response = clerk_client.post(
            reverse("companies:bank-account-add"),
            {"label": "Main", "iban": "DE89370400440532013000"},
        )
        assert response.status_code == 403
        assert not BankAccount.objects.exists()


@pytest.mark.django_db
class TestMembers:
    def test_list_add_new_and_existing_users(self, admin_client, company, clerk, other_company):
        page = admin_client.get(reverse("companies:members"))
        assert [m.user.username for m in page.context["memberships"]] == ["boss", "clerk"]

        response = admin_client.post(
            reverse("companies:member-add"),
            {
                "username": "nadia",
                "email": "nadia@example.com",
                "password": "long-enough-pw",
                "role": "approver",
            },
        )
        assert response.status_code == 302
        nadia = Membership.objects.get(company=company, user__username="nadia")
        assert nadia.role == "approver"
        assert nadia.user.check_password("long-enough-pw")

        outsider = member(other_company, "clerk", "karim")
        response = admin_client.post(
            reverse("companies:member-add"), {"username": "karim", "role": "auditor"}
        )
        assert response.status_code == 302
        assert Membership.objects.get(company=company, user=outsider).role == "auditor"
        assert Membership.objects.get(company=other_company, user=outsider).role == "clerk"
        assert AuditEvent.objects.filter(action="user.create").count() == 1
        assert AuditEvent.objects.filter(action="membership.set").count() == 2

    def test_new_user_needs_a_password_and_existing_members_are_refused(
        self, admin_client, company, clerk
    ):
        response = admin_client.post(
            reverse("companies:member-add"), {"username": "nadia", "role": "clerk"}
        )
        assert response.status_code == 422
        assert set(response.context["add_form"].errors) == {"password"}
        response = admin_client.post(
            reverse("companies:member-add"), {"username": "clerk", "role": "admin"}
        )
        assert response.status_code == 422
        assert "already a member" in response.context["add_form"].errors["username"][0]
        assert Membership.objects.get(user=clerk).role == "clerk"
        assert not Membership.objects.filter(user__username="nadia").exists()

    def test_change_role_and_remove(self, admin_client, company, clerk):
        membership = Membership.objects.get(user=clerk)
        response = admin_client.post(
            reverse("companies:member-role", args=[membership.pk]), {"role": "accountant"}
        )
        assert response.status_code == 302
        membership.refresh_from_db()
        assert membership.role == "accountant"

        response = admin_client.post(reverse("companies:member-remove", args=[membership.pk]))
        assert response.status_code == 302
        assert not Membership.objects.filter(user=clerk).exists()
        event = AuditEvent.objects.get(action="membership.remove")
        assert event.before == {"user": "clerk", "role": "accountant"}

    def test_the_last_admin_cannot_leave_or_step_down(self, admin_client, company, admin_user):
        own = Membership.objects.get(user=admin_user)

        removal = admin_client.post(reverse("companies:member-remove", args=[own.pk]))
        assert removal.status_code == 409
        assert "last administrator" in removal.content.decode()
        demotion = admin_client.post(
            reverse("companies:member-role", args=[own.pk]), {"role": "clerk"}
        )
        assert demotion.status_code == 422
        assert "last administrator" in demotion.content.decode()
        own.refresh_from_db()
        assert own.role == "admin"
        assert not AuditEvent.objects.filter(action__startswith="membership").exists()

        member(company, "admin", "second-boss")
        removal = admin_client.post(reverse("companies:member-remove", args=[own.pk]))
        assert removal.status_code == 302
        assert not Membership.objects.filter(pk=own.pk).exists()

    def test_members_of_other_companies_are_not_found(self, admin_client, other_company):
        foreign = Membership.objects.get(user=member(other_company, "admin"))
        url = reverse("companies:member-remove", args=[foreign.pk])
        assert admin_client.post(url).status_code == 404
        assert Membership.objects.filter(pk=foreign.pk).exists()

    def test_clerk_cannot_manage_members(self, clerk_client, company, admin_user):
        own = Membership.objects.get(user=admin_user)
        assert clerk_client.get(reverse("companies:members")).status_code == 403
        response = clerk_client.post(
            reverse("companies:member-role", args=[own.pk]), {"role": "clerk"}
        )
        assert response.status_code == 403
        own.refresh_from_db()
        assert own.role == "admin"


@pytest.mark.django_db
class TestTokens:
    def test_create_shows_the_raw_token_once_and_stores_its_hash(self, clerk_client, clerk):
        response = clerk_client.post(reverse("companies:tokens"), {"name": "export"})

        assert response.status_code == 200
        raw = response.context["created"].raw
        assert raw.startswith("ard_") and raw in response.content.decode()
        assert "will not be shown again" in response.content.decode()
        token = ApiToken.objects.get(user=clerk)
        assert token.key_hash == hash_token(raw)
        assert (token.name, token.prefix) == ("export", raw[4:12])
        assert raw not in str(list(ApiToken.objects.values_list("prefix", "key_hash", "name")))
        again = clerk_client.get(reverse("companies:tokens"))
        assert raw not in again.content.decode()
        assert token.prefix in again.content.decode()

    def test_revoke_own_token(self, clerk_client, clerk):
        token, _raw = create_token(actor=clerk, user=clerk, name="ci")
        response = clerk_client.post(reverse("companies:token-revoke", args=[token.pk]))
        assert response.status_code == 302
        token.refresh_from_db()
        assert token.revoked_at is not None
        revoked_at = token.revoked_at
        clerk_client.post(reverse("companies:token-revoke", args=[token.pk]))
        token.refresh_from_db()
        assert token.revoked_at == revoked_at
        assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1

    def test_tokens_of_others_are_hidden_and_cannot_be_revoked(
        self, clerk_client, clerk, admin_user
    ):
        theirs, _raw = create_token(actor=admin_user, user=admin_user, name="boss")
        page = clerk_client.get(reverse("companies:tokens"))
        assert list(page.context["tokens"]) == []
        response = clerk_client.post(reverse("companies:token-revoke", args=[theirs.pk]))
        assert response.status_code == 404
        theirs.refresh_from_db()
        assert theirs.revoked_at is None

    def test_anonymous_is_sent_to_login(self, client, db):
        response = client.get(reverse("companies:tokens"))
        assert response.status_code == 302
        assert "/login/" in response["Location"]
        assert Company.objects.count() == 0


@pytest.mark.django_db
def test_admin_shows_configuration_read_only_and_no_token_hash(client, company, clerk):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-123")
    token, raw = create_token(actor=None, user=clerk, name="ci")
    add_bank_account(company, actor=None, label="Main", iban="DE89370400440532013000")
    client.force_login(root)
    for model in ("company", "bankaccount", "membership", "apitoken"):
        assert client.get(f"/admin/core/{model}/").status_code == 200
    detail = client.get(f"/admin/core/apitoken/{token.pk}/change/")
    assert detail.status_code == 200
    assert token.prefix in detail.content.decode()
    assert token.key_hash not in detail.content.decode()
    assert client.get("/admin/core/company/add/").status_code == 403
