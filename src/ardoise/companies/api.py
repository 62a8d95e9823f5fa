from ninja import Router, Schema

from ardoise.core.tenancy import role_of, user_companies

router = Router(tags=["companies"])


class CompanyOut(Schema):
    id: int
    code: str
    legal_name: str
    trade_name: str
    country: str
    currency: str
    language: str
    role: str | None
    identifiers: dict


@router.get("", response=list[CompanyOut])
def list_companies(request):
    """The companies the token's user belongs to, with the user's role in each."""
    companies = user_companies(request.user).order_by("code")
    return [
        CompanyOut(
            id=c.id,
            code=c.code,
            legal_name=c.legal_name,
            trade_name=c.trade_name,
            country=c.country,
            currency=c.currency,
            language=c.language,
            role=role_of(request.user, c),
            identifiers=c.identifiers,
        )
        for c in companies
    ]
