"""Idempotency-Key: a retried POST gets the first response and acts once; the same key with
another body is refused; failures are not remembered, so they can be retried."""

from ardoise.core.models import ApiToken
from ardoise.parties.models import Customer

CUSTOMER = {
    "code": "IDEM",
    "name": "Client Idempotent SAS",
    "country": "FR",
    "currency": "EUR",
    "language": "fr",
    "identifiers": {"siren": "552100554"},
}


def test_retry_with_the_same_key_replays_the_first_response(clerk_api):
    first = clerk_api.post("/customers", CUSTOMER, **{"Idempotency-Key": "abc-1"})
    again = clerk_api.post("/customers", CUSTOMER, **{"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Customer.objects.filter(code="IDEM").count() == 1


def test_same_key_with_another_body_is_refused(clerk_api):
    clerk_api.post("/customers", CUSTOMER, **{"Idempotency-Key": "abc-2"})
    other = clerk_api.post(
        "/customers", {**CUSTOMER, "code": "IDEM2"}, **{"Idempotency-Key": "abc-2"}
    )
    assert other.status_code == 422
    assert other.json()["errors"][0]["rule"] == "idempotency_mismatch"
    assert not Customer.objects.filter(code="IDEM2").exists()


def test_keys_belong_to_their_user(clerk_api, api_as, company):
    from .factories import member

    colleague = api_as(member(company, "clerk"))
    clerk_api.post("/customers", CUSTOMER, **{"Idempotency-Key": "shared"})
    response = colleague.post(
        "/customers", {**CUSTOMER, "code": "IDEM3"}, **{"Idempotency-Key": "shared"}
    )
    assert response.status_code == 201
    assert Customer.objects.filter(code="IDEM3").exists()


def test_without_a_key_each_post_acts(clerk_api):
    clerk_api.post("/customers", CUSTOMER)
    second = clerk_api.post("/customers", CUSTOMER)
    assert second.status_code == 422  # the code is taken: the second call really ran
    assert ApiToken.objects.count() == 1
