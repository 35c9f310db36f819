"""Exact-reply behaviour of ClinikoClient, pinned with `responses`."""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses

from oncord.cliniko import (
    AuthenticationFailed,
    BadRequest,
    ClinikoClient,
    ClinikoDataError,
    ClinikoError,
    Forbidden,
    InvalidApiKey,
    MalformedResponse,
    NotFound,
    RateLimited,
    Unavailable,
    ValidationFailed,
    user_agent,
)

from . import payloads
from .conftest import API_KEY, BASE, UA

pytestmark = pytest.mark.usefixtures("mocked")


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def query(call) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(call.request.url).query)


# -- shard, transport, headers ---------------------------------------------------------


@pytest.mark.parametrize("key, shard", [
    ("MxJrZXkiOiI1Njd1amJmZTQ1NyJ9-au2", "au2"),
    ("abc-uk1", "uk1"),
    ("abc-EU1", "eu1"),
    ("abc-au5", "au5"),
    ("abc-us12", "us12"),
    ("weird-body-ca1", "ca1"),  # the suffix after the *last* hyphen
    ("oldkeywithnosuffix", "au1"),
])
def test_shard_and_base_url_come_from_the_key(make_client, key, shard):
    client = make_client(key)
    assert client.shard == shard
    assert client.base_url == f"https://api.{shard}.cliniko.com/v1"


@pytest.mark.parametrize("key", ["abc-", "abc-123", "abc-a1", "abc-aus1", "abc-au123", "abc-au1x", "-au1", "", "  "])
def test_bad_shard_suffix_is_refused_without_echoing_the_key(make_client, key):
    with pytest.raises(InvalidApiKey) as info:
        make_client(key)
    if key.strip():
        assert key not in str(info.value)
    assert isinstance(info.value, ClinikoError)


def test_base_url_override_allows_http_only_on_loopback(make_client):
    assert make_client(base_url="http://127.0.0.1:8000/v1/").base_url == "http://127.0.0.1:8000/v1"
    assert make_client(base_url="http://localhost:8000/v1").base_url == "http://localhost:8000/v1"
    assert make_client(base_url="https://cliniko.test/v1").base_url == "https://cliniko.test/v1"
    with pytest.raises(ValueError):
        make_client(base_url="http://sandbox.internal/v1")
    assert make_client(base_url="http://sandbox.internal/v1", allow_http=True)
    with pytest.raises(ValueError):
        make_client(base_url="https://me:pw@cliniko.test/v1")
    # a sandbox key need not carry a shard
    assert make_client("sandbox_key", base_url="http://127.0.0.1:1/v1").shard == "au1"


def test_user_agent_helper_and_validation():
    assert user_agent("oncord", "admin@clinic.example") == "oncord (admin@clinic.example)"
    for bad in ["oncord", "oncord admin@clinic.example", "(admin@clinic.example)", "oncord (admin)"]:
        with pytest.raises(ValueError):
            ClinikoClient(API_KEY, bad)
    with pytest.raises(ValueError):
        user_agent("oncord", "not-an-email")


def test_every_request_carries_auth_accept_and_user_agent(make_client, mocked):
    mocked.get(f"{BASE}/user", json={"id": "1", "first_name": "Ann", "email": "ann@clinic.example",
                                     "role": "administrator"})
    user = make_client().check_connection()
    assert user.id == 1 and user.role == "administrator"
    headers = mocked.calls[0].request.headers
    # The docs' worked example for this very key.
    assert headers["Authorization"] == "Basic TXhKclpYa2lPaUkxTmpkMWFtSm1aVFExTnlKOS1hdTI6"
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"] == UA
    assert mocked.calls[0].request.url.startswith("https://api.au2.cliniko.com/v1/user")


# -- listing ---------------------------------------------------------------------------


def test_listing_follows_links_next_with_per_page_100(make_client, mocked):
    page2 = f"{BASE}/patients?page=2&per_page=100"
    mocked.get(f"{BASE}/patients", match=[responses.matchers.query_param_matcher({"per_page": "100"})],
               json=payloads.page("patients", [payloads.patient("1"), payloads.patient("2")], total=3,
                                  next_url=page2))
    mocked.get(page2, json=payloads.page("patients", [payloads.patient("3")], total=3))
    listing = make_client().patients()
    assert iter(listing) is listing and listing.total is None  # lazy: nothing fetched yet
    assert len(mocked.calls) == 0
    first = next(listing)
    assert first.id == 1 and listing.total == 3
    assert [p.id for p in listing] == [2, 3]
    assert len(mocked.calls) == 2 and listing.pages == 2 and listing.done == 3


def test_total_is_available_before_iterating(make_client, mocked):
    mocked.get(f"{BASE}/patients", json=payloads.page("patients", [payloads.patient("1")], total=1))
    listing = make_client().patients()
    assert listing.count_total() == 1
    assert [p.id for p in listing] == [1]
    assert len(mocked.calls) == 1  # the first page was fetched once


def test_patient_filters_use_q_brackets(make_client, mocked):
    mocked.get(f"{BASE}/patients", json=payloads.page("patients", [], total=0))
    since = datetime(2014, 8, 30, 18, 0, 0, 123, tzinfo=timezone.utc)
    list(make_client().patients(updated_since=since, include_archived=True))
    url = mocked.calls[0].request.url
    assert "q%5B%5D=" in url
    assert query(mocked.calls[0]) == [
        ("per_page", "100"), ("sort", "updated_at"),
        ("q[]", "updated_at:>2014-08-30T18:00:00Z"), ("q[]", "archived_at:*"),
    ]


def test_archived_since_is_the_cheap_second_query(make_client, mocked):
    mocked.get(f"{BASE}/patients", json=payloads.page("patients", [], total=0))
    local = timezone(timedelta(hours=10))
    list(make_client().patients(archived_since=datetime(2024, 1, 1, 10, tzinfo=local)))
    assert ("q[]", "archived_at:>2024-01-01T00:00:00Z") in query(mocked.calls[0])
    assert ("q[]", "archived_at:*") in query(mocked.calls[0])


def test_appointment_filters(make_client, mocked):
    mocked.get(f"{BASE}/individual_appointments", json=payloads.page("individual_appointments", [], total=0))
    t = datetime(2024, 5, 1, tzinfo=timezone.utc)
    list(make_client().appointments(
        updated_since=t, include_cancelled=True, include_archived=True,
        starts_after=t, starts_before=t + timedelta(days=7), practitioner_id=[1, 2], patient_id=7,
    ))
    q = query(mocked.calls[0])
    assert ("sort", "updated_at") in q
    filters = [v for k, v in q if k == "q[]"]
    assert filters == [
        "updated_at:>2024-05-01T00:00:00Z", "starts_at:>2024-05-01T00:00:00Z",
        "starts_at:<2024-05-08T00:00:00Z", "cancelled_at:*", "archived_at:*",
        "patient_id:=7", "practitioner_id:=1,2",
    ]
    mocked.calls.reset()
    list(make_client().appointments(cancelled_since=t))
    filters = [v for k, v in query(mocked.calls[0]) if k == "q[]"]
    assert filters == ["cancelled_at:>2024-05-01T00:00:00Z", "cancelled_at:*"]


def test_naive_datetimes_are_refused(make_client):
    with pytest.raises(ValueError):
        make_client().patients(updated_since=datetime(2024, 1, 1))


def test_reference_listings_and_single_gets(make_client, mocked):
    stamps = {"created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"}
    mocked.get(f"{BASE}/appointment_types", json=payloads.page("appointment_types", [{"id": "1", "name": "A", **stamps}], total=1))
    mocked.get(f"{BASE}/practitioners", json=payloads.page("practitioners", [{"id": "2", **stamps}], total=1))
    mocked.get(f"{BASE}/practitioners/inactive", json=payloads.page("practitioners", [{"id": "3", **stamps}], total=1))
    mocked.get(f"{BASE}/businesses", json=payloads.page("businesses", [{"id": "4", **stamps}], total=1))
    mocked.get(f"{BASE}/patients/1390710863102485699", json=payloads.patient())
    mocked.get(f"{BASE}/individual_appointments/1390726237298631770", json=payloads.appointment())
    client = make_client()
    assert [t.name for t in client.appointment_types(include_archived=True)] == ["A"]
    assert [p.id for p in client.practitioners()] == [2]
    assert [p.id for p in client.practitioners(active=False)] == [3]
    assert [b.id for b in client.businesses()] == [4]
    assert client.patient(1390710863102485699).first_name == "Jane"
    assert ("q[]", "archived_at:*") in query(mocked.calls[-1])
    assert client.appointment(1390726237298631770).patient_id == 1390710863102485699
    assert query(mocked.calls[-1]) == [("q[]", "archived_at:*"), ("q[]", "cancelled_at:*")]


def test_a_bad_row_is_skipped_not_fatal(make_client, mocked):
    rows = [payloads.patient("1"), payloads.patient("2", updated_at="garbage"), payloads.patient("3")]
    mocked.get(f"{BASE}/patients", json=payloads.page("patients", rows, total=3))
    seen = []
    listing = make_client().patients(on_bad_row=seen.append)
    assert [p.id for p in listing] == [1, 3]
    assert [e.id for e in seen] == [2] and [e.id for e in listing.skipped] == [2]
    assert listing.done == 3

    results = list(make_client().patients().results())
    assert [type(r).__name__ for r in results] == ["Patient", "ClinikoDataError", "Patient"]
    assert isinstance(results[1], ClinikoDataError) and results[1].resource == "patient"


def test_a_row_repeated_across_a_page_boundary_is_yielded_once(make_client, mocked):
    page2 = f"{BASE}/patients?page=2&per_page=100"
    mocked.get(f"{BASE}/patients", json=payloads.page("patients", [payloads.patient("1"), payloads.patient("2")],
                                                       total=3, next_url=page2))
    mocked.get(page2, json=payloads.page("patients", [payloads.patient("2"), payloads.patient("3")], total=3))
    assert [p.id for p in make_client().patients()] == [1, 2, 3]


def test_next_link_to_another_host_is_rebased(make_client, mocked):
    mocked.get(f"{BASE}/patients", json=payloads.page("patients", [payloads.patient("1")], total=2,
                                                       next_url="https://evil.example/v1/patients?page=2&per_page=100"))
    mocked.get(f"{BASE}/patients?page=2&per_page=100", json=payloads.page("patients", [payloads.patient("2")], total=2))
    assert [p.id for p in make_client().patients()] == [1, 2]
    assert all(urlsplit(c.request.url).hostname == "api.au2.cliniko.com" for c in mocked.calls)


# -- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize("status, body, error", [
    (400, {"message": "This column is not searchable."}, BadRequest),
    (401, "HTTP Basic: Access denied.\n", AuthenticationFailed),
    (403, "Requires a user agent", Forbidden),
    (404, {"message": "Not Found"}, NotFound),
    (418, "", ClinikoError),
])
def test_client_errors_map_to_the_tree(make_client, mocked, status, body, error):
    kwargs = {"json": body} if isinstance(body, dict) else {"body": body}
    mocked.get(f"{BASE}/patients/5", status=status, **kwargs)
    with pytest.raises(error) as info:
        make_client().patient(5)
    assert info.value.status == status
    assert len(mocked.calls) == 1  # 4xx is never retried
    if isinstance(body, dict):
        assert body["message"] in str(info.value)


def test_validation_failed_carries_field_messages(make_client, mocked):
    mocked.patch(f"{BASE}/patients/5", status=422, json={
        "message": "Validation Failed",
        "errors": {"first_name": "can’t be blank", "email": "is invalid"}})
    with pytest.raises(ValidationFailed) as info:
        make_client().update_patient(5, {"first_name": "", "email": "nope"})
    assert info.value.errors == {"first_name": "can’t be blank", "email": "is invalid"}
    assert info.value.status == 422 and "can’t be blank" in str(info.value)


def test_429_waits_for_the_reset_then_succeeds(make_client, mocked, sleeps):
    reset = int(time.time()) + 3
    mocked.get(f"{BASE}/user", status=429, headers={"X-RateLimit-Reset": str(reset)},
               json={"message": "Too Many Requests"})
    mocked.get(f"{BASE}/user", json={"id": "1"})
    assert make_client().check_connection().id == 1
    assert len(mocked.calls) == 2
    assert 1.5 <= sum(sleeps) <= 3.5  # waited for the reset moment, shared through the budget


def test_429_prefers_retry_after(make_client, mocked, sleeps):
    mocked.get(f"{BASE}/user", status=429, headers={"Retry-After": "7", "X-RateLimit-Reset": str(int(time.time()) + 30)})
    mocked.get(f"{BASE}/user", json={"id": "1"})
    make_client().check_connection()
    assert 6.9 <= sum(sleeps) <= 7.1


def test_429_forever_raises_rate_limited_with_reset(make_client, mocked):
    reset = int(time.time()) + 2
    mocked.get(f"{BASE}/user", status=429, headers={"X-RateLimit-Reset": str(reset)})
    from oncord.cliniko import RetryPolicy
    with pytest.raises(RateLimited) as info:
        make_client(retry=RetryPolicy(max_rate_limited=3)).check_connection()
    assert info.value.reset_at == datetime.fromtimestamp(reset, timezone.utc)
    assert len(mocked.calls) == 4


def test_5xx_and_dropped_connections_are_retried(make_client, mocked, sleeps):
    mocked.get(f"{BASE}/user", status=502, body="<html>bad gateway</html>")
    mocked.get(f"{BASE}/user", body=requests.ConnectionError("reset by peer"))
    mocked.get(f"{BASE}/user", body=requests.Timeout("read timed out"))
    mocked.get(f"{BASE}/user", json={"id": "1"})
    assert make_client().check_connection().id == 1
    assert len(mocked.calls) == 4
    assert len(sleeps) == 3 and all(s <= 0.05 for s in sleeps)


def test_5xx_gives_up_after_max_attempts(make_client, mocked):
    mocked.get(f"{BASE}/user", status=503)
    with pytest.raises(Unavailable) as info:
        make_client().check_connection()
    assert len(mocked.calls) == 4 and "4 attempts" in str(info.value)


def test_malformed_json_and_envelopes_are_retried(make_client, mocked):
    mocked.get(f"{BASE}/patients", body='{"patients": [{"id": "1"')  # truncated
    mocked.get(f"{BASE}/patients", json={"unexpected": True})
    mocked.get(f"{BASE}/patients", json=payloads.page("patients", [payloads.patient("1")], total=1))
    assert [p.id for p in make_client().patients()] == [1]
    assert len(mocked.calls) == 3


def test_malformed_forever_is_a_malformed_response(make_client, mocked):
    mocked.get(f"{BASE}/patients", body="not json")
    with pytest.raises(MalformedResponse):
        list(make_client().patients())
    assert issubclass(MalformedResponse, Unavailable)


def test_backoff_is_exponential_with_jitter():
    from oncord.cliniko import RetryPolicy
    policy = RetryPolicy(backoff_base=1, backoff_cap=10)
    for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (4, 8), (5, 10), (9, 10)]:
        waits = {policy.backoff(attempt) for _ in range(20)}
        assert all(ceiling / 2 <= w <= ceiling for w in waits) and len(waits) > 1


def test_redirects_are_not_followed(make_client, mocked):
    mocked.get(f"{BASE}/user", status=301, headers={"Location": "https://elsewhere.example/v1/user"})
    with pytest.raises(ClinikoError) as info:
        make_client().check_connection()
    assert info.value.status == 301 and len(mocked.calls) == 1


# -- updates ---------------------------------------------------------------------------


def test_update_patient_patches_only_the_given_fields(make_client, mocked):
    mocked.patch(f"{BASE}/patients/1390710863102485699",
                 json=payloads.patient(email="new@example.com", accepted_sms_marketing=True))
    from oncord.cliniko import PhoneNumber
    updated = make_client().update_patient(1390710863102485699, {
        "email": "new@example.com",
        "accepted_sms_marketing": True,
        "patient_phone_numbers": [PhoneNumber("0412 345 678", "Mobile", "61412345678"),
                                  {"phone_type": "Home", "number": "03 9000 0000"}],
        "date_of_birth": datetime(1985, 3, 15).date(),
    })
    call = mocked.calls[0]
    assert call.request.method == "PATCH"
    assert call.request.headers["Content-Type"] == "application/json"
    assert json.loads(call.request.body) == {
        "email": "new@example.com",
        "accepted_sms_marketing": True,
        "patient_phone_numbers": [{"phone_type": "Mobile", "number": "0412 345 678"},
                                  {"phone_type": "Home", "number": "03 9000 0000"}],
        "date_of_birth": "1985-03-15",
    }
    assert updated.email == "new@example.com" and updated.accepted_sms_marketing is True


@pytest.mark.parametrize("fields", [
    {}, {"gender": "Female"}, {"id": "1"}, {"archived_at": None},
    {"patient_phone_numbers": [{"phone_type": "Cell", "number": "1"}]},
    {"patient_phone_numbers": [{"phone_type": "Mobile", "number": " "}]},
])
def test_update_patient_refuses_read_only_or_malformed_fields(make_client, fields):
    with pytest.raises(ValueError):
        make_client().update_patient(1, fields)


# -- secrecy ---------------------------------------------------------------------------


def test_the_key_never_shows(make_client, mocked, caplog):
    caplog.set_level(logging.DEBUG)
    mocked.get(f"{BASE}/user", status=401, body=f"bad key {API_KEY}")
    client = make_client()
    with pytest.raises(AuthenticationFailed) as info:
        client.check_connection()
    key_body = API_KEY.split("-")[0]
    for text in [repr(client), str(client.__dict__), repr(client._http.session.auth),
                 str(info.value), repr(info.value), caplog.text, mocked.calls[0].request.url]:
        assert key_body not in text



# -- audit against the fact sheet ------------------------------------------------------


@pytest.mark.parametrize("url", ["http://api.au1.cliniko.com/v1", "http://API.uk2.Cliniko.com./v1",
                                 "http://cliniko.com/v1"])
def test_plain_http_never_goes_to_cliniko_even_with_allow_http(make_client, url):
    """§1: HTTPS only; allow_http is for sandboxes, not for a real Cliniko host."""
    with pytest.raises(ValueError):
        make_client(base_url=url, allow_http=True)


@pytest.mark.parametrize("bad", [1.3907108631024857e18, 5.0, True, "1e18", "١٢٣", "-5", 2**63])
def test_ids_going_out_must_be_int64_never_floats(make_client, mocked, bad):
    """§1: ids are int64 strings; a float has already lost digits, so it is refused."""
    client = make_client()
    with pytest.raises((ValueError, TypeError)):
        client.patient(bad)
    with pytest.raises((ValueError, TypeError)):
        client.appointment(bad)
    with pytest.raises((ValueError, TypeError)):
        client.appointments(patient_id=[bad])
    with pytest.raises((ValueError, TypeError)):
        client.update_patient(bad, {"first_name": "Ann"})
    with pytest.raises((ValueError, TypeError)):
        client.update_patient(1, {"referring_doctor_id": bad})
    assert len(mocked.calls) == 0


def test_string_ids_go_out_digit_for_digit(make_client, mocked):
    mocked.get(f"{BASE}/patients/1390710863102485699", json=payloads.patient())
    mocked.get(f"{BASE}/individual_appointments", json=payloads.page("individual_appointments", [], total=0))
    client = make_client()
    assert client.patient("1390710863102485699").id == 1390710863102485699
    list(client.appointments(patient_id="1390710863102485699", practitioner_id=[9223372036854775807]))
    filters = [v for k, v in query(mocked.calls[-1]) if k == "q[]"]
    assert filters == ["patient_id:=1390710863102485699", "practitioner_id:=9223372036854775807"]


def test_change_polls_include_archived_and_cancelled_rows_by_default(make_client, mocked):
    """§8: the incremental queries carry archived_at:* (and cancelled_at:* for appointments)."""
    mocked.get(f"{BASE}/patients", json=payloads.page("patients", [], total=0))
    mocked.get(f"{BASE}/individual_appointments", json=payloads.page("individual_appointments", [], total=0))
    t = datetime(2024, 5, 1, tzinfo=timezone.utc)
    client = make_client()
    list(client.patients(updated_since=t))
    assert query(mocked.calls[-1]) == [
        ("per_page", "100"), ("sort", "updated_at"),
        ("q[]", "updated_at:>2024-05-01T00:00:00Z"), ("q[]", "archived_at:*"),
    ]
    list(client.appointments(updated_since=t))
    assert [v for k, v in query(mocked.calls[-1]) if k == "q[]"] == [
        "updated_at:>2024-05-01T00:00:00Z", "cancelled_at:*", "archived_at:*"]
    # without a cursor, or when told, Cliniko's default hiding stays
    list(client.patients())
    list(client.patients(updated_since=t, include_archived=False))
    list(client.appointments(updated_since=t, include_cancelled=False, include_archived=False))
    assert all("archived_at:*" not in v and "cancelled_at:*" not in v
               for call in mocked.calls[-3:] for _, v in query(call))


def test_validation_errors_given_as_lists_are_joined_not_repr(make_client, mocked):
    mocked.patch(f"{BASE}/patients/5", status=422, json={
        "message": "Validation Failed", "errors": {"email": ["is invalid", "is too long"]}})
    with pytest.raises(ValidationFailed) as info:
        make_client().update_patient(5, {"email": "x"})
    assert info.value.errors == {"email": "is invalid; is too long"}


def test_validation_failed_without_field_errors(make_client, mocked):
    """§6: a bad nested body gave {"message": "must be an object"} and no errors."""
    mocked.patch(f"{BASE}/patients/5", status=422, json={"message": "must be an object"})
    with pytest.raises(ValidationFailed) as info:
        make_client().update_patient(5, {"email": "x@example.com"})
    assert info.value.errors == {} and "must be an object" in str(info.value)
    assert len(mocked.calls) == 1


@pytest.mark.parametrize("status", [401, 403, 404, 422])
def test_caller_errors_are_never_retried_on_patch(make_client, mocked, sleeps, status):
    mocked.patch(f"{BASE}/patients/5", status=status, json={"message": "no"})
    with pytest.raises(ClinikoError):
        make_client().update_patient(5, {"email": "x@example.com"})
    assert len(mocked.calls) == 1 and sleeps == []


def test_the_key_without_its_shard_suffix_is_scrubbed_too(make_client, mocked):
    key_body = API_KEY.rsplit("-", 1)[0]
    mocked.get(f"{BASE}/user", status=401, json={"message": f"no user for key {key_body}"})
    client = make_client()
    with pytest.raises(AuthenticationFailed) as info:
        client.check_connection()
    assert key_body not in str(info.value) and "***" in str(info.value)
    # the transport keeps the key only inside its auth object, whose repr hides it
    assert key_body not in str(vars(client._http))


def test_429_reset_header_in_epoch_milliseconds_or_as_a_delay(make_client, mocked, sleeps):
    """§5 says epoch seconds; the other two readings are tolerated rather than waited on wrongly."""
    mocked.get(f"{BASE}/user", status=429, headers={"X-RateLimit-Reset": str(int((time.time() + 3) * 1000))})
    mocked.get(f"{BASE}/user", status=429, headers={"X-RateLimit-Reset": "4"})
    mocked.get(f"{BASE}/user", json={"id": "1"})
    make_client().check_connection()
    assert len(mocked.calls) == 3
    assert 1.5 <= sleeps[0] <= 3.5 and 3.5 <= sleeps[1] <= 4.5


def test_rate_limited_reports_the_reset_from_retry_after(make_client, mocked):
    from oncord.cliniko import RetryPolicy
    mocked.get(f"{BASE}/user", status=429, headers={"Retry-After": "5"})
    before = datetime.now(timezone.utc)
    with pytest.raises(RateLimited) as info:
        make_client(retry=RetryPolicy(max_rate_limited=1)).check_connection()
    assert info.value.reset_at is not None
    assert before + timedelta(seconds=4) <= info.value.reset_at <= before + timedelta(seconds=7)


def test_patch_body_is_the_spec_shape_with_only_the_given_fields(make_client, mocked):
    """§7.1: top-level fields, pronouns whole, ids as strings, no read-only fields."""
    from oncord.cliniko import Pronouns
    mocked.patch(f"{BASE}/patients/7", json=payloads.patient("7"))
    make_client().update_patient(7, {
        "pronouns": Pronouns("her", "she", "hers", "her", "herself"),
        "reminder_type": "SMS & Email", "country_code": "AU", "gender_identity": "Woman",
        "concession_type_id": 1390710863102485699, "unsubscribe_sms_marketing": True,
        "accepted_email_marketing": None, "date_of_birth": "1985-03-15",
    })
    assert json.loads(mocked.calls[0].request.body) == {
        "pronouns": {"accusative": "her", "nominative": "she", "predicative_possessive": "hers",
                     "pronominal_possessive": "her", "reflexive": "herself"},
        "reminder_type": "SMS & Email", "country_code": "AU", "gender_identity": "Woman",
        "concession_type_id": "1390710863102485699", "unsubscribe_sms_marketing": True,
        "accepted_email_marketing": None, "date_of_birth": "1985-03-15",
    }


@pytest.mark.parametrize("fields", [
    {"pronouns": {"nominative": "she"}},
    {"pronouns": {"accusative": "x" * 51, "nominative": "a", "predicative_possessive": "a",
                  "pronominal_possessive": "a", "reflexive": "a"}},
    {"reminder_type": "Carrier pigeon"},
    {"accepted_email_marketing": "yes"},
    {"accepted_sms_marketing": 1},
    {"unsubscribe_sms_marketing": None},
    {"date_of_birth": datetime(1985, 3, 15, tzinfo=timezone.utc)},
    {"date_of_birth": "15/03/1985"},
    {"label": "Jane"}, {"normalized_number": "1"}, {"merged_with_patient": None},
    {"first_name": 12}, {"time_zone": datetime(2024, 1, 1, tzinfo=timezone.utc)},
    {"custom_fields": ["not", "an", "object"]},
])
def test_update_patient_refuses_what_the_spec_would_reject(make_client, mocked, fields):
    with pytest.raises(ValueError):
        make_client().update_patient(1, fields)
    assert len(mocked.calls) == 0


def test_a_blank_date_of_birth_clears_it(make_client, mocked):
    mocked.patch(f"{BASE}/patients/7", json=payloads.patient("7", date_of_birth=None))
    assert make_client().update_patient(7, {"date_of_birth": ""}).date_of_birth is None
    assert json.loads(mocked.calls[0].request.body) == {"date_of_birth": None}
