"""Whatever the conditions: subscribed only, an address for the channel, never suppressed, archived,
deleted or merged; the health-information rule; clinic-local dates across DST; ready-made audiences."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from oncord.campaigns import audience
from oncord.campaigns.audience import (
    GONE, NO_ADDRESS, NOT_EXPLICIT, NOT_SUBSCRIBED, PRESETS, SUPPRESSED, Conditions, DateRange, count, materialise,
)
from oncord.extensions import db as _db
from oncord.messaging import consent, suppressions
from oncord.models import ConsentSource, ConsentStatus, Contact
from oncord.timestamps import utcnow
from tests.campaigns.conftest import NOW
from tests.factories import PractitionerFactory

DAY = timedelta(days=1)


def test_archived_deleted_and_merged_patients_never(db, person):
    keep = person(linked=True)
    person(linked=True, cliniko_archived_at=NOW)
    person(linked=True, cliniko_deleted_at=NOW)
    person(linked=True, merged_into_patient_id=keep.cliniko_patient_id)
    found = count(Conditions(), "email", now=NOW)
    assert found.included == 1 and found.left_out == {GONE: 3}
    assert materialise(Conditions(), "sms", now=NOW) == [keep.id]


def test_each_channel_needs_its_own_subscription_and_address(db, person):
    email_only = person(sms_status=ConsentStatus.PENDING)
    sms_only = person(email_status=ConsentStatus.UNSUBSCRIBED)
    no_email = person(email=None, email_lower=None)
    landline = person(phone="+61290000000")  # Sydney landline: takes no SMS
    no_phone = person(phone=None)
    email = count(Conditions(), "email", now=NOW)
    sms = count(Conditions(), "sms", now=NOW)
    assert materialise(Conditions(), "email", now=NOW) == [email_only.id, landline.id, no_phone.id]
    assert email.left_out == {NOT_SUBSCRIBED["email"]: 1, NO_ADDRESS["email"]: 1}
    assert materialise(Conditions(), "sms", now=NOW) == [sms_only.id, no_email.id]
    assert sms.left_out == {NOT_SUBSCRIBED["sms"]: 1, NO_ADDRESS["sms"]: 2}


def test_suppressed_people_never_by_address_or_patient_id(db, person):
    keep = person(linked=True)
    by_email = person(email="Erased@Mail.example", email_lower="erased@mail.example")
    by_phone = person(phone="+61400000999")
    by_patient = person(linked=True)
    lifted = person(email="back@mail.example", email_lower="back@mail.example")
    for contact in (by_email, by_phone, by_patient):
        suppressions.suppression_for(Contact(email=contact.email if contact is by_email else None,
                                             phone=contact.phone if contact is by_phone else None,
                                             cliniko_patient_id=contact.cliniko_patient_id if contact is by_patient
                                             else None), reason="erased")
    suppressions.suppression_for(Contact(email="back@mail.example"), reason="erased").lifted_at = NOW
    _db.session.flush()
    email = count(Conditions(), "email", now=NOW)
    assert email.left_out == {SUPPRESSED: 2}  # the address and the patient id
    assert materialise(Conditions(), "email", now=NOW) == sorted([keep.id, by_phone.id, lifted.id])
    assert materialise(Conditions(), "sms", now=NOW) == sorted([keep.id, by_email.id, lifted.id])


def test_a_new_key_works_the_hashes_out_again(db, person, app, monkeypatch):
    erased = person(email="gone@mail.example", email_lower="gone@mail.example")
    suppressions.suppression_for(Contact(email="gone@mail.example"), reason="erased")
    assert erased.id not in materialise(Conditions(), "email", now=NOW)
    _db.session.commit()
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-key")
    # The old hash no longer matches the address under the new key; the address check follows the key.
    assert erased.id in materialise(Conditions(), "email", now=NOW)
    suppressions.suppression_for(Contact(email="gone@mail.example"), reason="erased again")
    assert erased.id not in materialise(Conditions(), "email", now=NOW)


def test_a_contact_added_after_a_count_is_checked_at_the_next(db, person):
    assert count(Conditions(), "sms", now=NOW).included == 0
    _db.session.commit()
    later = person(phone="+61411111111")
    _db.session.commit()
    assert materialise(Conditions(), "sms", now=NOW) == [later.id]


def test_health_information_needs_consent_given_explicitly(db, person, visit):
    lee = PractitionerFactory()
    explicit = {source: person(source) for source in (ConsentSource.CLINIKO_PULL, ConsentSource.UNSUBSCRIBE_PAGE,
                                                       ConsentSource.SMS_KEYWORD)}
    defaulted = person(ConsentSource.CONTACT_CREATED)
    staff = person(ConsentSource.STAFF)
    everyone = [*explicit.values(), defaulted, staff]
    for contact in everyone:
        visit(contact, NOW - DAY, practitioner=lee)
    plain = Conditions(appointment_date=DateRange(last_days=7))
    health = Conditions(practitioner_ids=(lee.id,))
    assert not plain.uses_health_information() and health.uses_health_information()
    assert materialise(plain, "email", now=NOW) == sorted(c.id for c in everyone)
    assert materialise(health, "email", now=NOW) == sorted(c.id for c in explicit.values())
    assert count(health, "sms", now=NOW).left_out == {NOT_EXPLICIT: 2}


def test_the_newest_consent_decides(db, person, visit):
    """Re-subscribed on the unsubscribe page after a staff edit: explicit again; the other way round: not."""
    lee = PractitionerFactory()
    came_back, overridden = person(ConsentSource.STAFF), person()
    for contact in (came_back, overridden):
        visit(contact, NOW - DAY, practitioner=lee)
    consent.set_status(came_back, "email", "unsubscribed", ConsentSource.UNSUBSCRIBE_PAGE)
    consent.resubscribe(came_back, "email", source=ConsentSource.UNSUBSCRIBE_PAGE)
    consent.set_status(overridden, "email", "pending", ConsentSource.STAFF)
    consent.set_status(overridden, "email", "subscribed", ConsentSource.STAFF)
    _db.session.flush()
    assert materialise(Conditions(practitioner_ids=(lee.id,)), "email", now=NOW) == [came_back.id]


def test_relative_days_at_the_end_of_daylight_saving(db, person, visit):
    """Sydney leaves daylight saving on Sunday 6 April 2025. On Tuesday 8 April, "the last 7 days" starts
    at midnight on 1 April, when clocks still read +11: 31 March 13:00 UTC, not 14:00."""
    now = datetime(2025, 4, 8, 0, 0, tzinfo=timezone.utc)  # 10:00 on 8 April, +10
    just_in, just_out = person(), person()
    visit(just_in, datetime(2025, 3, 31, 13, 30, tzinfo=timezone.utc))   # 00:30 on 1 April, local
    visit(just_out, datetime(2025, 3, 31, 12, 30, tzinfo=timezone.utc))  # 23:30 on 31 March, local
    assert materialise(Conditions(appointment_date=DateRange(last_days=7)), "email", now=now) == [just_in.id]


def test_relative_days_at_the_start_of_daylight_saving(db, person, visit):
    """Clocks go forward on Sunday 5 October 2025. From 1 October, "the next 7 days" ends at midnight
    starting 9 October, at +11: 8 October 13:00 UTC, not 14:00."""
    now = datetime(2025, 10, 1, 0, 0, tzinfo=timezone.utc)  # 10:00 on 1 October, +10
    just_in, just_out = person(), person()
    visit(just_in, datetime(2025, 10, 8, 12, 30, tzinfo=timezone.utc))   # 23:30 on 8 October, local
    visit(just_out, datetime(2025, 10, 8, 13, 30, tzinfo=timezone.utc))  # 00:30 on 9 October, local
    assert materialise(Conditions(appointment_date=DateRange(next_days=7)), "email", now=now) == [just_in.id]


def test_date_ranges_in_clinic_time(app, db):
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Australia/Sydney")
    now = datetime(2025, 4, 2, 1, 0, tzinfo=timezone.utc)  # 12:00 on 2 April, +11
    assert DateRange(calendar_month=-1).bounds(now, zone) == (datetime(2025, 2, 28, 13, tzinfo=timezone.utc),
                                                              datetime(2025, 3, 31, 13, tzinfo=timezone.utc))
    # April holds the change back to +10: the month ends at 14:00 UTC.
    assert DateRange(calendar_month=0).bounds(now, zone) == (datetime(2025, 3, 31, 13, tzinfo=timezone.utc),
                                                             datetime(2025, 4, 30, 14, tzinfo=timezone.utc))
    assert DateRange(start=date(2025, 4, 6), end=date(2025, 4, 6)).bounds(now, zone) == (
        datetime(2025, 4, 5, 13, tzinfo=timezone.utc), datetime(2025, 4, 6, 14, tzinfo=timezone.utc))  # 25 hours


def test_ready_made_audiences(db, person, visit):
    now = datetime(2025, 4, 2, 1, 0, tzinfo=timezone.utc)  # 2 April, Sydney
    new, old_hand, lapsed, booked, no_show = person(), person(), person(), person(), person()
    visit(new, now - DAY)
    visit(old_hand, now - DAY)
    visit(old_hand, now - 100 * DAY)
    visit(lapsed, now - 250 * DAY)
    visit(booked, now - 250 * DAY)
    visit(booked, now + 5 * DAY)
    visit(no_show, datetime(2025, 3, 15, 0, 0, tzinfo=timezone.utc), did_not_arrive=True)
    visit(no_show, now - 100 * DAY)

    def preset(key):
        return materialise(PRESETS[key][1], "email", now=now)

    assert set(PRESETS) == {"new_this_month", "lapsed_6_months", "no_upcoming", "did_not_arrive_last_month"}
    assert preset("new_this_month") == [new.id]
    assert preset("lapsed_6_months") == [lapsed.id]
    assert preset("no_upcoming") == sorted([new.id, old_hand.id, lapsed.id, no_show.id])
    assert preset("did_not_arrive_last_month") == [no_show.id]
    assert all(label and not conditions.uses_health_information() for label, conditions in PRESETS.values())


def test_conditions_round_trip_through_json_and_tolerate_junk(app, db):
    conditions = Conditions(appointment_date=DateRange(start=date(2025, 3, 1), end=date(2025, 3, 31)),
                            booked=DateRange(last_days=30), appointment_type_ids=(1234567890123456789,),
                            practitioner_ids=(2, 1), business_ids=(3,), statuses=("did_not_arrive", "attended"),
                            upcoming="none", last_appointment_months=6,
                            first_appointment=DateRange(calendar_month=0), linked="linked")
    saved = conditions.to_json()
    assert saved["appointment_type_ids"] == ["1234567890123456789"]  # int64 ids survive JSON in a browser
    again = Conditions.from_json(saved)
    assert again.to_json() == saved and again.practitioner_ids == (1, 2)
    assert Conditions.from_json({"appointment_date": {"last_days": "x"}, "statuses": ["lost"], "colour": "red",
                                 "upcoming": "perhaps", "practitioner_ids": "7",
                                 "last_appointment_months": -2}) == Conditions()
    assert Conditions.from_json(None) == Conditions()


def test_describe_in_staff_words(db):
    lee = PractitionerFactory(first_name="Ann", last_name="Lee", title="Dr")
    conditions = Conditions(practitioner_ids=(lee.id,), statuses=("attended",), appointment_date=DateRange(last_days=30),
                            upcoming="none", last_appointment_months=6, linked="not_linked")
    assert conditions.describe() == [
        "Had an appointment (attended) with Dr Ann Lee in the last 30 days", "Has no upcoming appointment",
        "Last appointment more than 6 months ago", "Not linked to Cliniko"]
    assert Conditions().describe() == ["Everyone"]


def test_the_sample_is_a_few_included_people_by_name(db, person):
    for name in ("Zed", "Amy", "Bob"):
        person(last_name=name)
    person(last_name="Aaron", email_status=ConsentStatus.PENDING)
    found = count(Conditions(), "email", now=NOW, sample_size=2)
    assert [c.last_name for c in found.sample] == ["Amy", "Bob"]
    assert found.included == 3 and found.matching == 4


@pytest.mark.parametrize("channel", ["fax", ""])
def test_an_unknown_channel_is_refused(db, channel):
    with pytest.raises(ValueError):
        audience.count(Conditions(), channel)


def test_consent_source_follows_every_change(db, person):
    contact = person(ConsentSource.STAFF)
    assert (contact.email_consent_source, contact.sms_consent_source) == ("staff", "staff")
    consent.unsubscribe(contact, "sms", source=ConsentSource.SMS_KEYWORD, now=utcnow())
    assert contact.sms_consent_source == "sms_keyword"


def test_the_migration_backfills_each_status_source_from_the_newest_ledger_row(db, person):
    import importlib.util
    from pathlib import Path

    from sqlalchemy import text, update

    path = next((Path(__file__).resolve().parents[2] / "migrations" / "versions").glob("a7d3e5c9b1f2_*.py"))
    spec = importlib.util.spec_from_file_location("audience_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    contact = person(ConsentSource.STAFF)
    consent.set_status(contact, "sms", "unsubscribed", ConsentSource.SMS_KEYWORD, now=utcnow() + DAY)
    consent.set_status(contact, "sms", "subscribed", ConsentSource.SMS_KEYWORD, now=utcnow() + 2 * DAY)
    _db.session.flush()
    _db.session.execute(update(Contact).values(email_consent_source=None, sms_consent_source=None))
    for statement in migration.BACKFILL:
        _db.session.execute(text(statement))
    _db.session.expire_all()
    assert (contact.email_consent_source, contact.sms_consent_source) == ("staff", "sms_keyword")


def test_address_checks_rolled_back_are_worked_out_again(db, person):
    """A caller that counts and never commits (a view that only reads) loses the new address checks:
    the next count must not take the landline for a mobile."""
    person(phone="+61412345678")
    _db.session.commit()
    count(Conditions(), "sms", now=NOW)
    _db.session.commit()  # one number checked and kept
    landline = person(phone="+61290000000")
    _db.session.commit()
    assert count(Conditions(), "sms", now=NOW).left_out == {NO_ADDRESS["sms"]: 1}
    _db.session.rollback()
    assert count(Conditions(), "sms", now=NOW).left_out == {NO_ADDRESS["sms"]: 1}
    _db.session.commit()
    assert count(Conditions(), "sms", now=NOW).left_out == {NO_ADDRESS["sms"]: 1}
    assert landline.id not in materialise(Conditions(), "sms", now=NOW)
