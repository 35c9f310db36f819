"""The seeded clinic: deterministic per seed, realistic, awkward on purpose."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from cliniko_sandbox.app import Sandbox
from cliniko_sandbox.live import LiveActivity
from cliniko_sandbox.resources import APPOINTMENTS, PATIENTS
from cliniko_sandbox.queries import Page
from cliniko_sandbox.store import format_time, utcnow


def everything(sandbox, listing, reveal=None):
    rows, _ = sandbox.world.browse(listing, [], [("id", "asc")], Page(1, 10**6),
                                   reveal=listing.hidden if reveal is None else reveal)
    return rows


def listed_patients(sandbox):
    """What `GET /patients` returns when asked for archived ones too: deleted ones never."""
    return everything(sandbox, PATIENTS, reveal=("archived_at",))


@pytest.fixture(scope="module")
def seeded():
    return Sandbox(patients=600, appointments=4000, seed=42)


def test_same_seed_same_world():
    a, b = (Sandbox(patients=50, appointments=200, seed=9) for _ in range(2))
    assert everything(a, PATIENTS) == everything(b, PATIENTS)
    assert everything(a, APPOINTMENTS) == everything(b, APPOINTMENTS)
    c = Sandbox(patients=50, appointments=200, seed=10)
    assert everything(a, PATIENTS) != everything(c, PATIENTS)


def test_clinic_shape(seeded):
    counts = seeded.world.counts()
    assert 1 <= counts["businesses"] <= 2
    assert 4 <= counts["appointment_types"] <= 8
    assert 3 <= counts["practitioners"] <= 10
    names = {r[0]: r[1] for r in seeded.store.select(
        "SELECT name, duration_in_minutes FROM appointment_types")}
    assert names["Initial Consultation"] == 60 and names["Standard Consultation"] == 30


@pytest.mark.parametrize("count", [1, 37, 600])
def test_patients_n_seeds_n_listed_patients_and_deleted_ones_on_top(count):
    sandbox = Sandbox(patients=count, appointments=0, seed=42)
    assert len(listed_patients(sandbox)) == count
    assert sum(1 for p in everything(sandbox, PATIENTS) if p["deleted_at"]) == (
        len(everything(sandbox, PATIENTS)) - count)


def test_a_big_clinic_has_deleted_patients_on_top_of_n(seeded):
    patients = everything(seeded, PATIENTS)
    assert len(listed_patients(seeded)) == 600
    assert any(p["deleted_at"] for p in patients) and len(patients) > 600


def test_patients_are_realistic_and_awkward(seeded):
    patients = everything(seeded, PATIENTS)
    first_names = {p["first_name"] for p in patients}
    assert {"Zoë", "José-María"} <= first_names
    assert any(p["last_name"] in ("O'Brien", "Nguyễn") for p in patients)
    assert any(p["email"] is None for p in patients)
    assert any(p["patient_phone_numbers"] == [] for p in patients)
    assert any(len(p["address_1"] or "") > 200 for p in patients)
    assert {p["accepted_email_marketing"] for p in patients} == {True, False, None}
    assert {p["accepted_sms_marketing"] for p in patients} == {True, False, None}
    phones = [n for p in patients for n in p["patient_phone_numbers"]]
    assert all(re.fullmatch(r"61\d{9}", n["normalized_number"]) for n in phones)
    assert all(p["country_code"] == "AU" for p in patients)
    assert any(p["archived_at"] for p in patients)
    assert any(p["merged_at"] and p["merged_with_patient"]["links"] for p in patients)


def test_appointments_spread_with_plausible_outcomes(seeded):
    rows = everything(seeded, APPOINTMENTS)
    now = format_time(utcnow())
    past = [a for a in rows if a["ends_at"] < now]
    future = [a for a in rows if a["starts_at"] > now]
    assert len(past) > len(future) > 0
    cancelled = sum(1 for a in rows if a["cancelled_at"]) / len(rows)
    assert 0.04 < cancelled < 0.15
    outcomes = Counter((a["patient_arrived"], a["did_not_arrive"]) for a in past
                       if not a["cancelled_at"])
    kept = sum(outcomes.values())
    assert outcomes[(True, False)] / kept > 0.8
    assert 0.02 < outcomes[(False, True)] / kept < 0.1
    assert not any(a["patient_arrived"] or a["did_not_arrive"] for a in future)


def test_nothing_seeded_is_in_the_future_except_start_times(seeded):
    now = format_time(utcnow())
    for row in everything(seeded, APPOINTMENTS) + everything(seeded, PATIENTS):
        for field in ("created_at", "updated_at", "cancelled_at", "archived_at"):
            assert (row.get(field) or "") <= now


def test_ids_increase_with_created_at(seeded):
    patients = everything(seeded, PATIENTS)
    assert sorted(patients, key=lambda p: int(p["id"])) == sorted(
        patients, key=lambda p: (p["created_at"], int(p["id"])))


def test_live_activity_is_deterministic_per_seed():
    stories = []
    for _ in range(2):
        sandbox = Sandbox(patients=30, appointments=100, seed=4)
        stories.append([e.split(" ")[0] for e in LiveActivity(sandbox.world).step(40)])
    assert stories[0] == stories[1]
    assert {"new", "booked", "edited"} & {e.split(" ")[0] for e in stories[0]}
