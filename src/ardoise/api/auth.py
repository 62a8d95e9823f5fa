from django.utils import timezone
from ninja.security import HttpBearer

from ardoise.companies.services import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is None:
            return None
        request.user = user
        return user


def bearer_user(request):
    """The user of the request's bearer token, or None (used outside ninja's auth)."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return user_for_token(raw.strip())


__all__ = ["BearerToken", "bearer_user", "timezone"]
