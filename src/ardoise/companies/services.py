"""Administration actions on companies (tenants), their users and API tokens. Audited."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ardoise.audit.services import record
from ardoise.core.errors import FieldError, InvalidInput
from ardoise.core.models import ApiToken, BankAccount, Company, Membership, hash_token
from ardoise.core.money import is_currency
from ardoise.core.roles import Role
from ardoise.core.validators import normalize_bic, normalize_iban, validate_number_pattern

COMPANY_FIELDS = [
    "code",
    "legal_name",
    "trade_name",
    "legal_form",
    "share_capital",
    "country",
    "currency",
    "language",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "email",
    "phone",
    "website",
    "identifiers",
    "invoice_footer",
    "invoice_terms",
    "invoice_number_pattern",
    "credit_note_number_pattern",
    "approval_mode",
    "approval_threshold",
]


def company_snapshot(company: Company) -> dict:
    return {field: getattr(company, field) for field in COMPANY_FIELDS}


def _check_company(data: dict) -> None:
    errors = []
    if not data.get("code"):
        errors.append(FieldError("code", "required", "A company code is required."))
    if not data.get("legal_name"):
        errors.append(FieldError("legal_name", "required", "The legal name is required."))
    if len(data.get("country", "")) != 2:
        errors.append(FieldError("country", "iso3166", "Give the ISO 3166 two-letter country."))
    if not is_currency(data.get("currency", "")):
        errors.append(FieldError("currency", "iso4217", "Give a known ISO 4217 currency code."))
    for field in ("invoice_number_pattern", "credit_note_number_pattern"):
        if field in data:
            try:
                validate_number_pattern(data[field])
            except ValueError as error:
                errors.append(FieldError(field, "pattern", str(error)))
    if errors:
        raise InvalidInput(errors)


@transaction.atomic
def create_company(*, actor, **data) -> Company:
    data["country"] = data.get("country", "").upper()
    data["currency"] = data.get("currency", "").upper()
    _check_company(data)
    if Company.objects.filter(code=data["code"]).exists():
        raise InvalidInput.single("code", "unique", f"A company {data['code']!r} exists already.")
    company = Company.objects.create(**data)
    record(actor=actor, action="company.create", obj=company, after=company_snapshot(company))
    return company


@transaction.atomic
def update_company(company: Company, *, actor, **changes) -> Company:
    company = Company.objects.select_for_update().get(pk=company.pk)
    before = company_snapshot(company)
    merged = before | changes
    _check_company(merged)
    for field, value in changes.items():
        setattr(company, field, value)
    company.save()
    record(
        actor=actor,
        action="company.update",
        obj=company,
        before=before,
        after=company_snapshot(company),
    )
    return company


@transaction.atomic
def add_bank_account(
    company: Company,
    *,
    actor,
    label: str,
    iban: str,
    bic: str = "",
    bank_name: str = "",
    is_default: bool = False,
) -> BankAccount:
    errors = []
    try:
        iban = normalize_iban(iban)
    except ValueError as error:
        errors.append(FieldError("iban", "iban", str(error)))
    if bic:
        try:
            bic = normalize_bic(bic)
        except ValueError as error:
            errors.append(FieldError("bic", "bic", str(error)))
    if errors:
        raise InvalidInput(errors)
    if is_default or not company.bank_accounts.exists():
        company.bank_accounts.update(is_default=False)
        is_default = True
    account = BankAccount.objects.create(
        company=company, label=label, iban=iban, bic=bic, bank_name=bank_name, is_default=is_default
    )
    record(
        actor=actor,
        action="company.bank_account.add",
        obj=account,
        after={"label": label, "iban": iban, "bic": bic, "is_default": is_default},
    )
    return account


@transaction.atomic
def create_user(*, actor, username: str, password: str, email: str = "", **extra):
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise InvalidInput.single("username", "unique", f"The user {username!r} exists already.")
    user = User.objects.create_user(username=username, password=password, email=email, **extra)
    record(
        actor=actor, action="user.create", obj=user, after={"username": username, "email": email}
    )
    return user


@transaction.atomic
def set_membership(*, actor, user, company: Company, role: str) -> Membership:
    if role not in Role.values:
        raise InvalidInput.single(
            "role", "choice", f"Unknown role {role!r}; use one of {', '.join(Role.values)}."
        )
    membership = Membership.objects.filter(user=user, company=company).first()
    before = {"role": membership.role} if membership else None
    if membership is None:
        membership = Membership.objects.create(user=user, company=company, role=role)
    else:
        membership.role = role
        membership.save(update_fields=["role"])
    record(
        actor=actor,
        action="membership.set",
        obj=membership,
        company_id=company.pk,
        before=before,
        after={"user": user.get_username(), "role": role},
    )
    return membership


@transaction.atomic
def create_token(*, actor, user, name: str = "") -> tuple[ApiToken, str]:
    """Create an API token; the raw key is returned once and never stored."""
    raw = ApiToken.new_raw_key()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[4:12], key_hash=hash_token(raw)
    )
    record(
        actor=actor,
        action="api_token.create",
        obj=token,
        object_repr=f"token {token.prefix}… for {user.get_username()}",
        after={"user": user.get_username(), "prefix": token.prefix, "name": name},
    )
    return token, raw


@transaction.atomic
def revoke_token(token: ApiToken, *, actor) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(actor=actor, action="api_token.revoke", obj=token, after={"prefix": token.prefix})


def user_for_token(raw: str):
    """The active user owning this raw token, or None."""
    if not raw:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token.user
