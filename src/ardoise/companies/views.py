"""Staff pages for the company's administrator (settings, bank accounts, members) and for
every member (their own API tokens). Thin: scope, parse with a form, call a service, render."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ardoise.core.errors import BusinessError
from ardoise.core.models import ApiToken, BankAccount, Membership
from ardoise.core.roles import Action
from ardoise.core.web import company_view

from .forms import (
    BankAccountForm,
    CompanySettingsForm,
    LogoForm,
    MemberAddForm,
    MemberRoleForm,
    TokenForm,
    example_number,
)
from .services import (
    remove_bank_account,
    remove_logo,
    remove_membership,
    revoke_token,
    set_default_bank_account,
)


def _render_settings(request, company, *, form=None, logo_form=None, bank_form=None, status=200):
    actor = request.user
    context = {
        "company": company,
        "form": form or CompanySettingsForm(company=company, actor=actor),
        "logo_form": logo_form or LogoForm(company=company, actor=actor),
        "bank_form": bank_form or BankAccountForm(company=company, actor=actor),
        "bank_accounts": list(BankAccount.objects.filter(company=company)),
        "tab": "settings",
    }
    return render(request, "companies/settings.html", context, status=status)


@company_view(Action.MANAGE_COMPANY)
def company_settings(request, company):
    if request.method != "POST":
        return _render_settings(request, company)
    form = CompanySettingsForm(request.POST, company=company, actor=request.user)
    if form.is_valid():
        messages.success(request, _("Settings saved."))
        return redirect("companies:settings")
    return _render_settings(request, company, form=form, status=422)


@require_GET
@company_view(Action.MANAGE_COMPANY)
def number_example(request, company):
    """The number a pattern gives, for the live preview next to the pattern fields."""
    pattern = request.GET.get("invoice_number_pattern") or request.GET.get(
        "credit_note_number_pattern", ""
    )
    example = example_number(pattern)
    return render(request, "companies/_number_example.html", {"example": example})


@require_POST
@company_view(Action.MANAGE_COMPANY)
def logo_upload(request, company):
    if request.POST.get("remove"):
        remove_logo(company, actor=request.user)
        messages.success(request, _("Logo removed."))
        return redirect("companies:settings")
    form = LogoForm(request.POST, request.FILES, company=company, actor=request.user)
    if form.is_valid():
        messages.success(request, _("Logo saved."))
        return redirect("companies:settings")
    return _render_settings(request, company, logo_form=form, status=422)


@require_POST
@company_view(Action.MANAGE_COMPANY)
def bank_account_add(request, company):
    form = BankAccountForm(request.POST, company=company, actor=request.user)
    if form.is_valid():
        messages.success(request, _("Bank account added."))
        return redirect("companies:settings")
    return _render_settings(request, company, bank_form=form, status=422)


@require_POST
@company_view(Action.MANAGE_COMPANY)
def bank_account_default(request, company, pk):
    account = get_object_or_404(BankAccount, company=company, pk=pk)
    set_default_bank_account(account, actor=request.user)
    messages.success(request, _("Default bank account changed."))
    return redirect("companies:settings")


@require_POST
@company_view(Action.MANAGE_COMPANY)
def bank_account_remove(request, company, pk):
    account = get_object_or_404(BankAccount, company=company, pk=pk)
    remove_bank_account(account, actor=request.user)
    messages.success(request, _("Bank account removed."))
    return redirect("companies:settings")


def _render_members(request, company, *, add_form=None, role_errors=None, status=200):
    memberships = list(
        Membership.objects.filter(company=company).select_related("user").order_by("user__username")
    )
    for membership in memberships:
        membership.errors = (role_errors or {}).get(membership.pk, [])
    context = {
        "company": company,
        "memberships": memberships,
        "add_form": add_form or MemberAddForm(company=company, actor=request.user),
        "roles": MemberRoleForm.base_fields["role"].choices,
        "tab": "members",
    }
    return render(request, "companies/members.html", context, status=status)


@company_view(Action.MANAGE_COMPANY)
def members(request, company):
    return _render_members(request, company)


@require_POST
@company_view(Action.MANAGE_COMPANY)
def member_add(request, company):
    form = MemberAddForm(request.POST, company=company, actor=request.user)
    if form.is_valid():
        messages.success(
            request,
            _("%(user)s is now a member.") % {"user": form.membership.user.get_username()},
        )
        return redirect("companies:members")
    return _render_members(request, company, add_form=form, status=422)


@require_POST
@company_view(Action.MANAGE_COMPANY)
def member_role(request, company, pk):
    membership = get_object_or_404(
        Membership.objects.select_related("user"), company=company, pk=pk
    )
    form = MemberRoleForm(request.POST, membership=membership, actor=request.user)
    if form.is_valid():
        messages.success(request, _("Role changed."))
        return redirect("companies:members")
    errors = [str(message) for message in form.errors.get("role", [])]
    errors += [str(message) for message in form.non_field_errors()]
    return _render_members(request, company, role_errors={membership.pk: errors}, status=422)


@require_POST
@company_view(Action.MANAGE_COMPANY)
def member_remove(request, company, pk):
    membership = get_object_or_404(
        Membership.objects.select_related("user"), company=company, pk=pk
    )
    try:
        remove_membership(membership, actor=request.user)
    except BusinessError as error:
        return _render_members(
            request, company, role_errors={membership.pk: [error.message]}, status=409
        )
    messages.success(
        request, _("%(user)s was removed from the company.") % {"user": membership.user}
    )
    if membership.user_id == request.user.pk:
        return redirect("home")
    return redirect("companies:members")


def _render_tokens(request, *, form=None, created=None, status=200):
    context = {
        "tokens": ApiToken.objects.filter(user=request.user).order_by("-created_at", "-pk"),
        "form": form or TokenForm(user=request.user),
        "created": created,
        "tab": "tokens",
    }
    return render(request, "companies/tokens.html", context, status=status)


@company_view(Action.VIEW)
def tokens(request, company):
    if request.method != "POST":
        return _render_tokens(request)
    form = TokenForm(request.POST, user=request.user)
    if form.is_valid():
        # Rendered, not redirected: the raw key exists only in this response.
        response = _render_tokens(request, created=form)
        response["Cache-Control"] = "no-store"
        return response
    return _render_tokens(request, form=form, status=422)


@require_POST
@company_view(Action.VIEW)
def token_revoke(request, company, pk):
    token = get_object_or_404(ApiToken, user=request.user, pk=pk)
    revoke_token(token, actor=request.user)
    messages.success(request, _("Token ard_%(prefix)s… revoked.") % {"prefix": token.prefix})
    return redirect("companies:tokens")
