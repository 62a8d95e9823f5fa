"""Administration actions on companies (tenants), their users and API tokens. Audited."""

import hashlib
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from ardoise.audit.services import record
from ardoise.core.errors import Conflict, FieldError, InvalidInput
from ardoise.core.identifiers import InvalidIdentifier, normalize_identifier
from ardoise.core.models import (
    ApiToken,
    ApprovalMode,
    BankAccount,
    Company,
    Membership,
    hash_token,
)
from ardoise.core.money import MAX_AMOUNT, is_currency, to_decimal
from ardoise.core.roles import Role
from ardoise.core.validators import normalize_bic, normalize_iban, validate_number_pattern

LOGO_MAX_BYTES = 1024 * 1024
LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg"}
# The text fields a company keeps, with their database length (None: unlimited).
COMPANY_TEXT_FIELDS = {
    "legal_name": 200,
    "trade_name": 200,
    "legal_form": 60,
    "share_capital": 60,
    "address_line1": 200,
    "address_line2": 200,
    "postal_code": 20,
    "city": 100,
    "email": 254,
    "phone": 40,
    "website": 200,
    "invoice_footer": None,
    "invoice_terms": None,
    "invoice_number_pattern": 60,
    "credit_note_number_pattern": 60,
}

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


def _check_texts(changes: dict, errors: list[FieldError]) -> None:
    for field, max_length in COMPANY_TEXT_FIELDS.items():
        if field not in changes:
            continue
        value = changes[field]
        if not isinstance(value, str):
            errors.append(FieldError(field, "type", _("Give a text value.")))
            continue
        changes[field] = value = value.strip()
        if max_length is not None and len(value) > max_length:
            errors.append(
                FieldError(
                    field,
                    "max_length",
                    _("At most %(max)s characters are allowed.") % {"max": max_length},
                )
            )
    if changes.get("email"):
        try:
            validate_email(changes["email"])
        except ValidationError:
            errors.append(FieldError("email", "email", _("Give a valid email address.")))
    if "language" in changes:
        changes["language"] = str(changes["language"]).strip().lower()
        codes = [code for code, _name in settings.LANGUAGES]
        if changes["language"] not in codes:
            errors.append(
                FieldError(
                    "language",
                    "choice",
                    _("The language must be one of %(choices)s.") % {"choices": ", ".join(codes)},
                )
            )


def _check_identifiers(company: Company, changes: dict, errors: list[FieldError]) -> None:
    """Normalize the identifiers that changed; values already stored are kept as they are
    (they may predate a stricter rule), an empty value removes the identifier."""
    if "identifiers" not in changes:
        return
    given = changes["identifiers"]
    if not isinstance(given, dict):
        errors.append(
            FieldError("identifiers", "type", _("Give identifiers as a scheme: value object."))
        )
        return
    stored = company.identifiers or {}
    normalized = {}
    for scheme, value in given.items():
        key = str(scheme).strip().lower()
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if stored.get(key) == value:
            normalized[key] = value
            continue
        try:
            normalized[key] = normalize_identifier(company.country, key, value)
        except InvalidIdentifier as error:
            errors.append(FieldError(f"identifiers.{key}", error.rule, error.message))
        except ValueError as error:
            errors.append(FieldError(f"identifiers.{key}", "invalid", str(error)))
    changes["identifiers"] = dict(sorted(normalized.items()))


def _check_approval(merged: dict, changes: dict, errors: list[FieldError]) -> None:
    mode = merged.get("approval_mode")
    if mode not in ApprovalMode.values:
        errors.append(
            FieldError(
                "approval_mode",
                "choice",
                _("The approval mode must be one of %(choices)s.")
                % {"choices": ", ".join(ApprovalMode.values)},
            )
        )
    threshold = merged.get("approval_threshold")
    if threshold is None or (isinstance(threshold, str) and not threshold.strip()):
        threshold = None
    else:
        try:
            threshold = to_decimal(threshold)
        except TypeError:
            errors.append(
                FieldError(
                    "approval_threshold",
                    "not_float",
                    _("Give the amount as a decimal string, not a float."),
                )
            )
            return
        except ValueError:
            errors.append(FieldError("approval_threshold", "decimal", _("Give a decimal amount.")))
            return
        if not Decimal(0) < threshold <= MAX_AMOUNT:
            errors.append(
                FieldError(
                    "approval_threshold",
                    "range",
                    _("The threshold must be a positive amount."),
                )
            )
            return
    if mode == ApprovalMode.THRESHOLD and threshold is None:
        errors.append(
            FieldError(
                "approval_threshold",
                "required",
                _("Give the amount above which invoices need approval."),
            )
        )
    if "approval_threshold" in changes or "approval_mode" in changes:
        changes["approval_threshold"] = threshold


# Set at creation: documents already issued are in this country and currency.
READ_ONLY_AFTER_CREATION = ("code", "country", "currency")


@transaction.atomic
def update_company(company: Company, *, actor, **changes) -> Company:
    """Change some settings; every broken rule is reported at once and nothing is written."""
    company = Company.objects.select_for_update().get(pk=company.pk)
    before = company_snapshot(company)
    errors: list[FieldError] = []
    for field in READ_ONLY_AFTER_CREATION:
        if field in changes and changes[field] != before[field]:
            errors.append(
                FieldError(field, "read_only", _("This cannot change once the company exists."))
            )
    unknown = set(changes) - set(COMPANY_FIELDS)
    errors.extend(FieldError(name, "unknown", _("Unknown field.")) for name in sorted(unknown))
    _check_texts(changes, errors)
    _check_identifiers(company, changes, errors)
    merged = before | changes
    _check_approval(merged, changes, errors)
    try:
        _check_company(before | changes)
    except InvalidInput as error:
        known = {(e.field, e.rule) for e in errors}
        errors.extend(e for e in error.errors if (e.field, e.rule) not in known)
    if errors:
        raise InvalidInput(errors)
    if all(before[field] == value for field, value in changes.items()):
        return company
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
    label = (label or "").strip()
    if not label:
        errors.append(FieldError("label", "required", _("Give the account a label.")))
    elif len(label) > 100:
        errors.append(FieldError("label", "max_length", _("At most 100 characters are allowed.")))
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


def _bank_account_state(account: BankAccount) -> dict:
    return {"label": account.label, "iban": account.iban, "is_default": account.is_default}


@transaction.atomic
def set_default_bank_account(account: BankAccount, *, actor) -> BankAccount:
    """The account printed on invoices; exactly one account of the company is the default."""
    account = BankAccount.objects.select_for_update().get(pk=account.pk)
    if account.is_default:
        return account
    BankAccount.objects.filter(company_id=account.company_id).update(is_default=False)
    account.is_default = True
    account.save(update_fields=["is_default"])
    record(
        actor=actor,
        action="company.bank_account.default",
        obj=account,
        after=_bank_account_state(account),
    )
    return account


@transaction.atomic
def remove_bank_account(account: BankAccount, *, actor) -> None:
    """Remove an account; if it was the default, the next account (by label) becomes it.
    Issued invoices keep the account they were printed with."""
    account = BankAccount.objects.select_for_update().get(pk=account.pk)
    before = _bank_account_state(account)
    successor = None
    if account.is_default:
        successor = (
            BankAccount.objects.filter(company_id=account.company_id)
            .exclude(pk=account.pk)
            .order_by("label", "pk")
            .first()
        )
    record(actor=actor, action="company.bank_account.remove", obj=account, before=before)
    account.delete()
    if successor is not None:
        successor.is_default = True
        successor.save(update_fields=["is_default"])
        record(
            actor=actor,
            action="company.bank_account.default",
            obj=successor,
            after=_bank_account_state(successor),
        )


def _sha256(uploaded_file) -> str:
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest()


def _logo_format(uploaded_file) -> str:
    """The image format (PNG or JPEG) of a logo, checked by opening it, or InvalidInput."""
    if uploaded_file is None:
        raise InvalidInput.single("logo", "required", _("Choose an image file."))
    if uploaded_file.size > LOGO_MAX_BYTES:
        raise InvalidInput.single("logo", "max_size", _("The logo must be at most 1 MB."))
    try:
        uploaded_file.seek(0)
        with Image.open(uploaded_file) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise InvalidInput.single(
            "logo", "image", _("The file is not a PNG or JPEG image.")
        ) from error
    finally:
        uploaded_file.seek(0)
    if image_format not in LOGO_FORMATS:
        raise InvalidInput.single("logo", "format", _("The logo must be a PNG or JPEG image."))
    return image_format


@transaction.atomic
def set_logo(company: Company, *, actor, uploaded_file) -> Company:
    """Store the logo printed on invoices. Its SHA-256 goes into the audit trail so an
    archived PDF can be traced to the exact image."""
    image_format = _logo_format(uploaded_file)
    sha256 = _sha256(uploaded_file)
    company = Company.objects.select_for_update().get(pk=company.pk)
    before = {"logo": company.logo.name or None}
    name = f"{company.code}-{sha256[:12]}.{LOGO_FORMATS[image_format]}"
    company.logo.save(name, ContentFile(uploaded_file.read()), save=False)
    company.save(update_fields=["logo"])
    record(
        actor=actor,
        action="company.logo.set",
        obj=company,
        before=before,
        after={"logo": company.logo.name, "sha256": sha256, "format": image_format},
    )
    return company


@transaction.atomic
def remove_logo(company: Company, *, actor) -> Company:
    company = Company.objects.select_for_update().get(pk=company.pk)
    if not company.logo:
        return company
    before = {"logo": company.logo.name}
    company.logo = ""
    company.save(update_fields=["logo"])
    record(actor=actor, action="company.logo.remove", obj=company, before=before)
    return company


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
    membership = Membership.objects.select_for_update().filter(user=user, company=company).first()
    before = {"role": membership.role} if membership else None
    if membership is not None and role != Role.ADMIN:
        _refuse_losing_last_admin(membership)
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


def _refuse_losing_last_admin(membership: Membership) -> None:
    """A company always keeps an administrator: nobody could manage it otherwise."""
    if membership.role != Role.ADMIN:
        return
    admins = Membership.objects.select_for_update().filter(
        company_id=membership.company_id, role=Role.ADMIN
    )
    if not admins.exclude(pk=membership.pk).exists():
        raise Conflict(
            _("%(user)s is the last administrator of the company; make someone else one first.")
            % {"user": membership.user.get_username()},
            field="role",
            rule="last_admin",
        )


@transaction.atomic
def add_member(
    company: Company, *, actor, username: str, role: str, password: str = "", email: str = ""
) -> Membership:
    """Give a user a role in the company, creating the user if the name is new."""
    User = get_user_model()
    username = (username or "").strip()
    email = (email or "").strip()
    errors: list[FieldError] = []
    if role not in Role.values:
        errors.append(FieldError("role", "choice", _("Choose a role.")))
    if not username:
        errors.append(FieldError("username", "required", _("Give a username.")))
    user = User.objects.filter(username=username).first() if username else None
    if user is not None:
        if Membership.objects.filter(user=user, company=company).exists():
            errors.append(FieldError("username", "member", _("This user is already a member.")))
    elif username:
        errors.extend(_check_new_user(User, username, password, email))
    if errors:
        raise InvalidInput(errors)
    if user is None:
        user = create_user(actor=actor, username=username, password=password, email=email)
    return set_membership(actor=actor, user=user, company=company, role=role)


def _check_new_user(User, username: str, password: str, email: str) -> list[FieldError]:
    errors = []
    try:
        User._meta.get_field("username").run_validators(username)
        if len(username) > 150:
            raise ValidationError(_("At most 150 characters are allowed."))
    except ValidationError as error:
        errors.append(FieldError("username", "format", " ".join(error.messages)))
    if not password:
        errors.append(FieldError("password", "required", _("Give a password for the new user.")))
    else:
        try:
            validate_password(password, User(username=username, email=email))
        except ValidationError as error:
            errors.append(FieldError("password", "weak", " ".join(error.messages)))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(FieldError("email", "email", _("Give a valid email address.")))
    return errors


@transaction.atomic
def remove_membership(membership: Membership, *, actor) -> None:
    """Take a user out of the company. The user and their history stay."""
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    _refuse_losing_last_admin(membership)
    record(
        actor=actor,
        action="membership.remove",
        obj=membership,
        company_id=membership.company_id,
        before={"user": membership.user.get_username(), "role": membership.role},
    )
    membership.delete()


@transaction.atomic
def create_token(*, actor, user, name: str = "") -> tuple[ApiToken, str]:
    """Create an API token; the raw key is returned once and never stored."""
    name = (name or "").strip()
    if len(name) > 100:
        raise InvalidInput.single(
            "name", "max_length", _("At most %(max)s characters are allowed.") % {"max": 100}
        )
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
    """Safe to call twice: an already revoked token keeps its first revocation time."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        record(actor=actor, action="api_token.revoke", obj=locked, after={"prefix": locked.prefix})
    token.revoked_at = locked.revoked_at


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
