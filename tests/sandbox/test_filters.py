"""`q[]` operators per field type, Cliniko's 400s, and sort/order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine


@pytest.fixture
def clinic(sandbox):
    w = sandbox.world
    rows = {}
    specs = [
        ("2024-01-01T09:00:00Z", dict(first_name="Ann", last_name="Jackson", email="ann@example.com",
                                      date_of_birth="1980-05-17", accepted_privacy_policy=True,
                                      old_reference_id="A-1")),
        ("2024-02-01T09:00:00Z", dict(first_name="Bob", last_name="Jameson", email=None,
                                      date_of_birth="1991-05-02", accepted_privacy_policy=False)),
        ("2024-03-01T09:00:00Z", dict(first_name="Zoë", last_name="O'Brien", email="zoe@example.com",
                                      date_of_birth=None, accepted_privacy_policy=None,
                                      preferred_first_name="Zo")),
    ]
    for stamp, fields in specs:
        with time_machine.travel(datetime.fromisoformat(stamp), tick=False):
            rows[fields["first_name"]] = w.create_patient(**fields)
    return sandbox, rows


def names(session, sandbox, *filters, path="/patients", **params):
    response = session.get(sandbox.base_url + path, params={"q[]": list(filters), **params})
    assert response.status_code == 200, response.text
    key = path.strip("/").split("/")[0]
    return [r.get("first_name", r["id"]) for r in response.json()[key]]


def bad(session, sandbox, *filters, path="/patients"):
    response = session.get(sandbox.base_url + path, params={"q[]": list(filters)})
    assert response.status_code == 400
    return response.json()["message"]


@pytest.mark.parametrize("expr, expected", [
    ("created_at:>2024-01-01T09:00:00Z", ["Bob", "Zoë"]),
    ("created_at:>=2024-01-01T09:00:00Z", ["Ann", "Bob", "Zoë"]),
    ("created_at:<2024-02-01T09:00:00Z", ["Ann"]),
    ("created_at:<=2024-02-01T09:00:00Z", ["Ann", "Bob"]),
    ("updated_at:>2024-02-15T00:00:00Z", ["Zoë"]),
    ("created_at:>2024-02-01T19:00:00+10:00", ["Zoë"]),  # offsets are converted to UTC
    ("created_at:*", ["Ann", "Bob", "Zoë"]),
    ("archived_at:!?", ["Ann", "Bob", "Zoë"]),
])
def test_datetime_operators(clinic, sandbox_session, expr, expected):
    assert names(sandbox_session, clinic[0], expr) == expected


def test_datetime_has_no_equals(clinic, sandbox_session):
    assert bad(sandbox_session, clinic[0], "created_at:=2024-01-01T09:00:00Z") == \
        "This column is not searchable."


@pytest.mark.parametrize("expr, expected", [
    ("date_of_birth:=1980-05-17", ["Ann"]),
    ("date_of_birth:=****-05-**", ["Ann", "Bob"]),
    ("date_of_birth:>1985-01-01", ["Bob"]),
    ("date_of_birth:>=1980-05-17", ["Ann", "Bob"]),
    ("date_of_birth:<1985-01-01", ["Ann"]),
    ("date_of_birth:<=1991-05-02", ["Ann", "Bob"]),
    ("date_of_birth:?", ["Ann", "Bob"]),
    ("date_of_birth:!?", ["Zoë"]),
])
def test_date_operators(clinic, sandbox_session, expr, expected):
    assert names(sandbox_session, clinic[0], expr) == expected


@pytest.mark.parametrize("expr, expected", [
    ("last_name:=Jackson", ["Ann"]),
    ("last_name:!=Jackson", ["Bob", "Zoë"]),
    ("last_name:~ja", ["Ann", "Bob"]),
    ("last_name:~~ja%on", ["Ann", "Bob"]),
    ("last_name:~~ja%son", ["Ann", "Bob"]),
    ("last_name:~~jack%", ["Ann"]),
    ("last_name:~O'Br", ["Zoë"]),
    ("first_name:=Zoë", ["Zoë"]),
    ("email:?", ["Ann", "Zoë"]),
    ("email:!?", ["Bob"]),
    ("preferred_first_name:=Zo", ["Zoë"]),
    ("old_reference_id:=A-1", ["Ann"]),
])
def test_string_operators(clinic, sandbox_session, expr, expected):
    assert names(sandbox_session, clinic[0], expr) == expected


def test_contains_treats_percent_and_underscore_literally(clinic, sandbox_session):
    assert names(sandbox_session, clinic[0], "email:~_") == []
    assert names(sandbox_session, clinic[0], "email:~%") == []


@pytest.mark.parametrize("expr, expected", [
    ("accepted_privacy_policy:=true", ["Ann"]),
    ("accepted_privacy_policy:=false", ["Bob"]),
    ("accepted_privacy_policy:!=true", ["Bob", "Zoë"]),
])
def test_boolean_operators(clinic, sandbox_session, expr, expected):
    assert names(sandbox_session, clinic[0], expr) == expected


def test_int64_operators(clinic, sandbox_session):
    sandbox, rows = clinic
    ann, bob, zoe = (rows[n]["id"] for n in ("Ann", "Bob", "Zoë"))
    assert names(sandbox_session, sandbox, f"id:={ann}") == ["Ann"]
    assert names(sandbox_session, sandbox, f"id:={ann},{zoe}") == ["Ann", "Zoë"]
    assert names(sandbox_session, sandbox, f"id:!={ann}") == ["Bob", "Zoë"]
    assert names(sandbox_session, sandbox, f"id:>{ann}") == ["Bob", "Zoë"]
    assert names(sandbox_session, sandbox, f"id:>={bob}") == ["Bob", "Zoë"]
    assert names(sandbox_session, sandbox, f"id:<{bob}") == ["Ann"]
    assert names(sandbox_session, sandbox, f"id:<={bob}") == ["Ann", "Bob"]
    assert names(sandbox_session, sandbox, "id:?") == ["Ann", "Bob", "Zoë"]
    assert names(sandbox_session, sandbox, "id:!?") == []


def test_filters_and_together(clinic, sandbox_session):
    assert names(sandbox_session, clinic[0], "last_name:~ja", "email:?") == ["Ann"]


def test_bare_q_still_works(clinic, sandbox_session):
    sandbox = clinic[0]
    response = sandbox_session.get(sandbox.base_url + "/patients", params={"q": "first_name:=Bob"})
    assert [p["first_name"] for p in response.json()["patients"]] == ["Bob"]


@pytest.mark.parametrize("expr", [
    "phone:=1", "first_name:like:x", "first_name", "first_name:>A", "accepted_privacy_policy:~t",
    "id:~1", "created_at:?x",
])
def test_unsearchable_filters_are_400(clinic, sandbox_session, expr):
    assert bad(sandbox_session, clinic[0], expr) == "This column is not searchable."


def test_bad_values_are_400_with_a_message(clinic, sandbox_session):
    assert bad(sandbox_session, clinic[0], "id:=abc") == "Filter value for id must be a number"
    assert bad(sandbox_session, clinic[0], "accepted_privacy_policy:=maybe")
    assert bad(sandbox_session, clinic[0], "created_at:>not-a-time")
    assert bad(sandbox_session, clinic[0], "date_of_birth:=05/17/1980")


def test_appointment_filters(sandbox, sandbox_session):
    w = sandbox.world
    p1, p2 = w.create_patient()["id"], w.create_patient()["id"]
    a1 = w.book_appointment(p1, starts_at="2030-01-01T00:00:00Z")
    w.book_appointment(p2, starts_at="2030-01-02T00:00:00Z")
    w.mark_did_not_arrive(a1["id"])
    ids = lambda *f: [a["patient"]["links"]["self"].rsplit("/", 1)[1] for a in  # noqa: E731
                      sandbox_session.get(sandbox.base_url + "/individual_appointments",
                                          params={"q[]": list(f)}).json()["individual_appointments"]]
    assert ids(f"patient_id:={p1}") == [p1]
    assert ids("starts_at:>2030-01-01T12:00:00Z") == [p2]
    assert ids("ends_at:<2030-01-01T12:00:00Z") == [p1]
    assert ids("did_not_arrive:=true") == [p1]
    practitioner = a1["practitioner"]["links"]["self"].rsplit("/", 1)[1]
    assert p1 in ids(f"practitioner_id:={practitioner}")
    assert bad(sandbox_session, sandbox, "email:=x", path="/individual_appointments")


def test_array_filter_on_businesses(sandbox, sandbox_session):
    type_id = sandbox_session.get(sandbox.base_url + "/appointment_types").json()[
        "appointment_types"][0]["id"]
    found = sandbox_session.get(sandbox.base_url + "/businesses",
                                params={"q[]": f"appointment_type_ids:~{type_id}"}).json()
    assert found["total_entries"] >= 1
    none = sandbox_session.get(sandbox.base_url + "/businesses",
                               params={"q[]": "appointment_type_ids:~1"}).json()
    assert none["total_entries"] == 0


class TestSort:
    def test_default_is_created_at_ascending(self, clinic, sandbox_session):
        assert names(sandbox_session, clinic[0]) == ["Ann", "Bob", "Zoë"]

    def test_sort_desc(self, clinic, sandbox_session):
        assert names(sandbox_session, clinic[0], sort="created_at:desc") == ["Zoë", "Bob", "Ann"]

    def test_several_columns(self, clinic, sandbox_session):
        sandbox = clinic[0]
        sandbox.world.create_patient(first_name="Aaron", last_name="Jackson")
        got = names(sandbox_session, sandbox, sort="last_name,first_name:desc")
        assert got == ["Ann", "Aaron", "Bob", "Zoë"]

    def test_deprecated_order_param(self, clinic, sandbox_session):
        assert names(sandbox_session, clinic[0], sort="updated_at", order="desc") == \
            ["Zoë", "Bob", "Ann"]

    def test_unknown_sort_column_is_400(self, clinic, sandbox_session):
        response = sandbox_session.get(clinic[0].base_url + "/patients", params={"sort": "phone"})
        assert response.status_code == 400


def test_timestamps_are_cliniko_utc_seconds(clinic):
    sandbox, rows = clinic
    assert rows["Ann"]["created_at"] == "2024-01-01T09:00:00Z"
    assert datetime.strptime(rows["Ann"]["updated_at"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=UTC) == datetime(2024, 1, 1, 9, tzinfo=UTC)
