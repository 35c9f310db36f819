"""Merges made in Cliniko, end to end: the sandbox merges, oncord pulls, both contact pages and every
place a send would read say the same thing."""
from datetime import timedelta

import requests
from sqlalchemy import select

from oncord.cliniko.parsing import parse_utc
from oncord.extensions import db as _db
from oncord.models import ActivityEvent, Appointment, Contact, EventKind
from oncord.sync import pull
from oncord.sync.patients import apply_merges
from oncord.timestamps import utcnow


def merge_in_sandbox(sandbox, absorbed_id: str, into_id: str) -> dict:
    """The sandbox's control surface, as another process (or a person) would merge two patients."""
    response = requests.post(f"{sandbox.control_url}/patients/{absorbed_id}/merge", json={"into": into_id}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def contact_of(patient: dict) -> Contact:
    return _db.session.scalars(select(Contact).where(Contact.cliniko_patient_id == int(patient["id"]))).one()


def events_of(contact: Contact, kind: EventKind) -> list[ActivityEvent]:
    return list(_db.session.scalars(select(ActivityEvent).where(
        ActivityEvent.contact_id == contact.id, ActivityEvent.kind == kind.value)))


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_a_merge_reads_the_right_way_round_and_the_absorbed_contact_is_never_messaged(
        db, sandbox, connected, client, login_as):
    login_as()
    world = sandbox.world
    sandbox.reset(patients=0, appointments=0, seed=3)
    consent = {"accepted_email_marketing": True, "accepted_sms_marketing": True}
    absorbed = world.create_patient(first_name="Dana", last_name="Duplicate", **consent)
    survivor = world.create_patient(first_name="Sam", last_name="Survivor", **consent)
    visit = world.book_appointment(absorbed["id"], starts_at=utcnow() - timedelta(days=20))
    next_visit = world.book_appointment(survivor["id"], starts_at=utcnow() + timedelta(days=3))
    pull.run(connected.id)
    dana = contact_of(absorbed)
    assert dana.can_receive_marketing("email") and dana.can_receive_marketing("sms")  # before: a live subscriber

    merged = merge_in_sandbox(sandbox, absorbed["id"], survivor["id"])
    pull.run(connected.id)
    db.session.expire_all()
    dana, sam = contact_of(absorbed), contact_of(survivor)
    merged_at = parse_utc(merged["merged_at"])

    # The history went with the appointments; each contact keeps its own side of the merge.
    assert db.session.get(Appointment, int(visit["id"])).contact_id == sam.id
    assert [e.occurred_at for e in events_of(dana, EventKind.PATIENT_MERGED)] == [merged_at]
    [merged_in] = events_of(sam, EventKind.PATIENT_MERGED_IN)
    assert merged_in.occurred_at == merged_at and merged_in.data["absorbed_patient_id"] == absorbed["id"]
    assert events_of(sam, EventKind.PATIENT_MERGED) == []  # the old bug: the absorbed's event moved over

    dana_page = page(client, f"/contacts/{dana.id}")
    assert f'href="/contacts/{sam.id}">Merged into Sam Survivor' in dana_page
    assert "No activity yet" not in dana_page and "Added as a patient in Cliniko" in dana_page
    assert dana_page.count("Merged — not messaged</span>") == 2 and 'pill-green">Subscribed' not in dana_page

    sam_page = page(client, f"/contacts/{sam.id}")
    assert f'href="/contacts/{dana.id}">Dana Duplicate was merged into this patient</a>' in sam_page
    assert "Merged into another patient" not in sam_page and "Merged into Sam" not in sam_page
    assert sam_page.count('pill-green">Subscribed') == 2
    card = sam_page[sam_page.index('id="appointments-card"'):sam_page.index("<h2>Activity</h2>")]
    assert card.index(f'id="appointment-{next_visit["id"]}"') < card.index(f'id="appointment-{visit["id"]}"')
    assert "1 upcoming · 1 past" in card

    # Wherever a send would read: the eligibility check, its SQL twin, and the contacts list.
    assert not dana.can_receive_marketing("email") and not dana.can_receive_marketing("sms")
    assert sam.can_receive_marketing("email") and sam.can_receive_marketing("sms")
    for channel in ("email", "sms"):
        assert list(db.session.scalars(select(Contact.id).where(Contact.marketable(channel)))) == [sam.id]
    listed = page(client, "/contacts/")
    assert "Sam Survivor" in listed and "Dana Duplicate" not in listed and "1 contact" in listed
    assert "Dana Duplicate" not in page(client, "/contacts/?email=subscribed&sms=subscribed")
    shown = page(client, "/contacts/?merged=include")
    assert "Dana Duplicate" in shown and shown.count("Merged — not messaged") == 2
    assert '<option value="include" selected>' in shown
    only = page(client, "/contacts/?merged=only")
    assert "Dana Duplicate" in only and "Sam Survivor" not in only

    pull.run(connected.id)  # settled merges stay settled
    assert len(events_of(sam, EventKind.PATIENT_MERGED_IN)) == 1 and len(events_of(dana, EventKind.PATIENT_MERGED)) == 1


def test_a_merge_from_before_oncord_connected_is_history_on_both_sides(db, sandbox, connected, client, login_as):
    login_as()
    world = sandbox.world
    sandbox.reset(patients=0, appointments=0, seed=4)
    absorbed = world.create_patient(first_name="Old", last_name="Record")
    survivor = world.create_patient(first_name="Kept", last_name="Record")
    world.book_appointment(absorbed["id"])
    world.merge_patients(absorbed["id"], survivor["id"])
    pull.run(connected.id)
    old, kept = contact_of(absorbed), contact_of(survivor)
    [merged] = events_of(old, EventKind.PATIENT_MERGED)
    [merged_in] = events_of(kept, EventKind.PATIENT_MERGED_IN)
    assert merged.backfill and merged_in.backfill  # history: never acted upon
    assert merged_in.occurred_at == merged.occurred_at == old.cliniko_archived_at
    assert "Old Record was merged into this patient" in page(client, f"/contacts/{kept.id}")
    assert "Merged into Kept Record" in page(client, f"/contacts/{old.id}")


def test_events_an_earlier_version_moved_to_the_survivor_go_back(db, sandbox, connected):
    world = sandbox.world
    sandbox.reset(patients=0, appointments=0, seed=5)
    absorbed = world.create_patient(first_name="Moved", last_name="Away")
    survivor = world.create_patient(first_name="Stays", last_name="Here")
    pull.run(connected.id)
    world.merge_patients(absorbed["id"], survivor["id"])
    pull.run(connected.id)
    gone, kept = contact_of(absorbed), contact_of(survivor)
    # As the old apply_merges left things: every event of the absorbed contact on the survivor, no "merged in".
    for event in events_of(kept, EventKind.PATIENT_MERGED_IN):
        db.session.delete(event)
    db.session.execute(ActivityEvent.__table__.update().where(ActivityEvent.contact_id == gone.id).values(contact_id=kept.id))
    db.session.commit()

    assert apply_merges() == 1
    db.session.commit()
    assert len(events_of(gone, EventKind.PATIENT_MERGED)) == 1 and len(events_of(gone, EventKind.PATIENT_IMPORTED)) == 1
    assert len(events_of(kept, EventKind.PATIENT_MERGED_IN)) == 1 and events_of(kept, EventKind.PATIENT_MERGED) == []
    assert len(events_of(kept, EventKind.PATIENT_IMPORTED)) == 1  # its own, untouched
    assert apply_merges() == 0


def test_a_search_says_when_a_merged_contact_also_matches(db, client, login_as):
    from tests.factories import ContactFactory

    login_as()
    sam = ContactFactory(first_name="Sam", last_name="Survivor", linked=True)
    ContactFactory(first_name="Sam", last_name="Duplicate", linked=True, merged_into_patient_id=sam.cliniko_patient_id)
    db.session.commit()
    html = page(client, "/contacts/?q=sam")
    assert "Sam Survivor" in html and "Sam Duplicate" not in html
    assert "1 merged-away contact also matches" in html and 'href="/contacts/?q=sam&amp;merged=include"' in html
    assert "merged-away" not in page(client, "/contacts/")  # no search, no hint
    assert "Sam Duplicate" in page(client, "/contacts/?q=sam&merged=include")
