"""Acceptance: ClinikoClient against the local Cliniko sandbox over real HTTP."""

from __future__ import annotations

import logging
import math
import threading
import time
import tracemalloc
from collections.abc import Iterator
from datetime import timedelta

import pytest

from oncord.cliniko import (
    AuthenticationFailed,
    ClinikoClient,
    LocalRateBudget,
    NotFound,
    RedisRateBudget,
    RetryPolicy,
    ValidationFailed,
)
from oncord.cliniko.parsing import parse_utc

from .conftest import UA

FAST_RETRY = RetryPolicy(max_attempts=8, backoff_base=0.01, backoff_cap=0.1)


def client_for(sb, **kwargs) -> ClinikoClient:
    """A client for the sandbox; its own budget is roomy unless a test brings one."""
    kwargs.setdefault("rate_budget", LocalRateBudget(limit=1_000_000, period=1))
    kwargs.setdefault("retry", FAST_RETRY)
    return ClinikoClient(sb.api_key, UA, sb.base_url, **kwargs)


@pytest.fixture(scope="module")
def big_sandbox():
    from cliniko_sandbox.testing import SandboxServer

    from tests.fixtures.sandbox import SANDBOX_API_KEY

    with SandboxServer(api_key=SANDBOX_API_KEY, patients=10_000, appointments=0, seed=11,
                       rate_limit=False) as server:
        # The seed soft-deletes a few (hidden even with archived_at:*): top up to 10,000 visible.
        visible = _visible_patient_ids(server)
        for n in range(10_000 - len(visible)):
            server.world.create_patient(first_name="Top", last_name=f"Up{n}")
        yield server


# The sandbox shares this process; count only what the client side allocated.
_CLIENT_CODE = [tracemalloc.Filter(True, pattern) for pattern in (
    "*/oncord/cliniko/*", "*/requests/*", "*/urllib3/*", "*/json/decoder.py",
    "*/http/client.py", "*/tests/cliniko/*",
)]


def _client_bytes() -> int:
    snapshot = tracemalloc.take_snapshot().filter_traces(_CLIENT_CODE)
    return sum(stat.size for stat in snapshot.statistics("filename"))


def _visible_patient_ids(sb) -> set[int]:
    ids = sb.world.patient_ids(include_archived=True)
    return {int(i) for i in ids if not sb.world.patient(i).get("deleted_at")}


def test_listing_10000_patients_takes_100_requests_in_flat_memory(big_sandbox):
    big_sandbox.requests.reset()
    client = client_for(big_sandbox)
    listing = client.patients(include_archived=True)
    assert isinstance(listing, Iterator) and not isinstance(listing, (list, tuple))

    tracemalloc.start()
    count = id_sum = 0
    samples = []  # the client's memory in use, mid-page, every tenth page
    try:
        for patient in listing:
            count += 1
            id_sum += patient.id
            if count % 1_000 == 550:
                samples.append(_client_bytes())
    finally:
        tracemalloc.stop()

    ids = _visible_patient_ids(big_sandbox)
    assert count == len(ids) == listing.total == 10_000
    assert id_sum == sum(ids)  # every record, each once
    assert big_sandbox.requests.count("GET /patients") == math.ceil(10_000 / 100)
    assert client.requests_sent == 100
    # Flat: after the first pages (one-off imports and caches) the client's memory stays
    # within a page or two. Holding all 10,000 records would take about 15 MB.
    settled = samples[1:]
    assert max(settled) - min(settled) < 1_500_000, (min(settled), max(settled))
    assert max(settled) < 4_000_000, max(settled)


def test_connection_reads_and_update_roundtrip(sandbox):
    client = client_for(sandbox)
    user = client.check_connection()
    assert user.role == "administrator" and user.id > 0
    created = sandbox.world.create_patient(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    pid = int(created["id"])

    updated = client.update_patient(pid, {
        "email": "ada@lovelace.example",
        "patient_phone_numbers": [("Mobile", "0412 345 678"), ("Home", "03 9000 0000")],
        "accepted_sms_marketing": True,
    })
    assert updated.id == pid and updated.email == "ada@lovelace.example"
    assert updated.mobile_number.number == "0412 345 678"
    assert updated.updated_at >= parse_utc(created["updated_at"])
    assert client.patient(pid) == updated
    assert sandbox.requests.count("PATCH /patients/{id}") == 1

    with pytest.raises(ValidationFailed) as info:
        client.update_patient(pid, {"first_name": ""})
    assert info.value.errors["first_name"] == "can’t be blank"
    with pytest.raises(NotFound):
        client.patient(1)


def test_archived_patients_and_the_since_queries(sandbox):
    client = client_for(sandbox)
    keep = sandbox.world.create_patient(first_name="Kept", last_name="One")
    gone = sandbox.world.create_patient(first_name="Gone", last_name="Two")
    cursor = parse_utc(gone["updated_at"]) - timedelta(seconds=5)
    sandbox.world.archive_patient(gone["id"])

    assert [p.id for p in client.patients()] == [int(keep["id"])]
    assert {p.id for p in client.patients(include_archived=True)} == {int(keep["id"]), int(gone["id"])}
    archived = list(client.patients(archived_since=cursor))
    assert [p.id for p in archived] == [int(gone["id"])] and archived[0].archived_at is not None
    assert client.patient(int(gone["id"])).is_archived
    with pytest.raises(NotFound):
        client.patient(int(gone["id"]), include_archived=False)


def test_appointments_with_links_and_cancellations(sandbox):
    client = client_for(sandbox)
    patient = sandbox.world.create_patient(first_name="Bo", last_name="Peep")
    booked = sandbox.world.book_appointment(patient["id"])
    cursor = parse_utc(booked["updated_at"]) - timedelta(seconds=5)
    sandbox.world.cancel_appointment(booked["id"])

    assert list(client.appointments()) == []  # Cliniko hides cancelled rows by default
    [appt] = list(client.appointments(include_cancelled=True, updated_since=cursor))
    assert appt.patient_id == int(patient["id"]) and appt.is_cancelled
    assert appt.practitioner_id and appt.appointment_type_id and appt.business_id
    assert [a.id for a in client.appointments(cancelled_since=cursor)] == [appt.id]
    assert client.appointment(appt.id) == appt
    assert {t.id for t in client.appointment_types()} and list(client.practitioners())
    assert list(client.businesses())


def test_wrong_key_is_authentication_failed(sandbox):
    client = ClinikoClient("wrong0000000000000000000000000-au1", UA, sandbox.base_url,
                           rate_budget=LocalRateBudget(limit=1000, period=1))
    with pytest.raises(AuthenticationFailed):
        client.check_connection()


def test_the_key_never_reaches_logs_even_at_debug(sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("urllib3", "urllib3.connectionpool", "oncord.cliniko"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    sandbox.world.create_patient(first_name="Log", last_name="Check")
    sandbox.faults.fail_next(1, status=502)
    client = client_for(sandbox)
    client.check_connection()
    list(client.patients())
    with pytest.raises(NotFound):
        client.patient(1)
    assert "GET /v1/patients" in caplog.text  # urllib3 really did log at DEBUG
    key_body = sandbox.api_key.rsplit("-", 1)[0]
    assert key_body not in caplog.text
    assert key_body not in repr(client)


def test_full_listing_survives_faults_exactly_once(sandbox):
    sandbox.reset(patients=2_000, seed=5)
    expected = _visible_patient_ids(sandbox)
    sandbox.faults.set(error_rate=0.2, seed=3)
    client = client_for(sandbox)
    seen: list[int] = []
    for patient in client.patients(include_archived=True):
        seen.append(patient.id)
        if len(seen) % 100 == 50:  # while a page is being consumed, spoil the next fetches
            sandbox.faults.set(drop_next=1, malformed_next=1, truncate_next=1)
    assert len(seen) == len(set(seen)) == len(expected)
    assert set(seen) == expected
    statuses = sandbox.requests.snapshot()["by_status"]
    assert sum(v for k, v in statuses.items() if k.startswith("5")) >= 5  # faults really fired
    assert statuses.get("0", 0) >= 5  # dropped connections


def test_sandbox_429_reset_is_honoured(sandbox):
    sandbox.faults.rate_limit_next(2, reset_in=1)
    client = client_for(sandbox)
    started = time.monotonic()
    assert client.check_connection().id
    assert 0.5 <= time.monotonic() - started < 5
    assert sandbox.requests.snapshot()["by_status"].get("429") == 2


def test_two_clients_sharing_redis_never_trip_the_rate_limit(make_sandbox, redis_client, rate_prefix):
    """450 requests from two clients against a limit of 120 per 2-second window.

    The sandbox's 200-per-60s window is scaled down so the burst takes seconds; the
    clients share one Redis budget for the same limit. Its headroom is 25% rather than
    the default 5% because a scheduling stall of a few hundred ms matters in a 2 s
    window (in Cliniko's 60 s window 5% covers a 3 s stall).
    """
    sb = make_sandbox(patients=225, seed=2, rate_limit=True, rate_limit_per_minute=120)
    sb.rate_limiter.window = 2.0  # 60 a second, like 200 a minute but faster
    pages = len(_visible_patient_ids(sb))  # one request per patient at per_page=1
    user_calls = 450 - pages
    sb.requests.reset()

    def budget() -> RedisRateBudget:
        return RedisRateBudget(redis_client, sb.api_key, limit=120, period=2.0, headroom=0.25,
                               prefix=rate_prefix)

    patients_client = client_for(sb, rate_budget=budget())
    user_client = client_for(sb, rate_budget=budget())
    results: dict[str, int] = {}
    errors: list[BaseException] = []

    def list_patients() -> None:
        try:
            results["patients"] = sum(1 for _ in patients_client.patients(include_archived=True, per_page=1))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def check_user() -> None:
        try:
            for _ in range(user_calls):
                user_client.check_connection()
            results["user"] = user_calls
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    started = time.monotonic()
    threads = [threading.Thread(target=list_patients), threading.Thread(target=check_user)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    elapsed = time.monotonic() - started

    assert not errors, errors
    assert results == {"patients": pages, "user": user_calls}
    statuses = sb.requests.snapshot()["by_status"]
    assert statuses.get("429", 0) == 0, statuses
    assert sb.requests.count() == 450
    # The budget allows 10 at once then 40/s: ~11 s; the limit itself would allow ~6.5 s.
    assert 6.5 <= elapsed <= 17, elapsed


def test_deleted_patients_reads_the_legacy_listing(sandbox):
    from oncord.cliniko import ClinikoClient

    world = sandbox.world
    sandbox.reset(patients=3, appointments=0, seed=1)
    gone = world.patient_ids()[0]
    world.delete_patient(gone)
    client = ClinikoClient(sandbox.api_key, "oncord tests (tests@oncord.example)", sandbox.base_url)
    rows = list(client.deleted_patients())
    assert [r.id for r in rows] == [int(gone)] and rows[0].deleted_at.tzinfo is not None
