"""`Idempotency-Key` on every API POST: a retry with the same key gets the first response
instead of acting twice. A key reused for a different request is refused (422); a retry
while the first request still runs gets 409."""

import hashlib
import json

from django.db import IntegrityError, transaction
from django.http import HttpResponse

from .auth import bearer_user
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"


def _json(status: int, detail: str, rule: str) -> HttpResponse:
    body = {"detail": detail, "errors": [{"field": HEADER, "rule": rule, "message": detail}]}
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER, "").strip()
        if request.method != "POST" or not key or not request.path.startswith("/api/"):
            return self.get_response(request)
        user = bearer_user(request)
        if user is None:
            return self.get_response(request)
        if len(key) > 200:
            return _json(422, "The Idempotency-Key is longer than 200 characters.", "max_length")
        digest = hashlib.sha256(
            request.method.encode() + b" " + request.path.encode() + b"\n" + request.body
        ).hexdigest()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    method=request.method,
                    path=request.path,
                    request_hash=digest,
                )
        except IntegrityError:
            return self._replay(user, key, digest)
        response = self.get_response(request)
        if response.status_code >= 500 or response.streaming:
            record.delete()  # let the client retry a failure
            return response
        record.status_code = response.status_code
        record.content_type = response.get("Content-Type", "")
        record.response_body = response.content
        record.save(update_fields=["status_code", "content_type", "response_body"])
        return response

    def _replay(self, user, key: str, digest: str) -> HttpResponse:
        record = IdempotencyRecord.objects.get(user=user, key=key)
        if record.request_hash != digest:
            return _json(
                422,
                "This Idempotency-Key was already used for a different request.",
                "idempotency_mismatch",
            )
        if record.status_code is None:
            return _json(409, "A request with this Idempotency-Key is in progress.", "in_progress")
        response = HttpResponse(
            bytes(record.response_body or b""),
            status=record.status_code,
            content_type=record.content_type or "application/json",
        )
        response["Idempotent-Replayed"] = "true"
        return response
