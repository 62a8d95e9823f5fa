from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ardoise.core.tenancy import user_companies
from ardoise.core.web import SESSION_KEY


@login_required
def home(request):
    return render(request, "pages/home.html")


@login_required
@require_POST
def switch_company(request):
    try:
        company_id = int(request.POST.get("company", ""))
    except ValueError:
        company_id = None
    if company_id and user_companies(request.user).filter(pk=company_id).exists():
        request.session[SESSION_KEY] = company_id
    return redirect(request.POST.get("next") or "home")
