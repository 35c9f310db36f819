"""Turning Cliniko JSON into frozen records: tolerant where allowed, loud (with the id) where not."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, timezone

import pytest

from oncord.cliniko import (
    Account,
    Appointment,
    AppointmentType,
    Business,
    ClinikoDataError,
    Patient,
    Practitioner,
    User,
)

from . import payloads


def test_patient_reads_every_synced_field():
    p = Patient.from_api(payloads.patient())
    assert p.id == 1390710863102485699  # all 19 digits: int(), never float()
    assert (p.first_name, p.last_name, p.title, p.label) == ("Jane", "Citizen", "Ms", "Jane Citizen")
    assert p.email == "jane@example.com"
    assert (p.address_1, p.address_2, p.address_3) == ("1 Smith Street", None, None)
    assert (p.city, p.state, p.post_code, p.country, p.country_code) == (
        "Melbourne", "Victoria", "3000", "Australia", "AU")
    assert p.date_of_birth == date(1985, 3, 15)
    assert (p.sex, p.gender_identity, p.gender) == ("Female", None, "Female")
    assert p.accepted_email_marketing is True
    assert p.accepted_sms_marketing is False
    assert p.accepted_privacy_policy is True
    assert p.created_at == datetime(2024, 4, 2, 19, 50, 11, tzinfo=timezone.utc)
    assert p.updated_at.tzinfo is not None and p.updated_at.utcoffset().total_seconds() == 0
    assert p.archived_at is None and p.deleted_at is None and p.merged_at is None
    assert p.merged_with_patient_id is None and not p.was_merged


def test_patient_phone_numbers_and_the_sensible_primary():
    p = Patient.from_api(payloads.patient())
    assert [n.phone_type for n in p.patient_phone_numbers] == ["Home", "Mobile"]
    assert p.mobile_number.number == "0412 345 678"
    assert p.primary_phone.normalized_number == "61412345678"

    fax_only = Patient.from_api(payloads.patient(patient_phone_numbers=[
        {"phone_type": "Fax", "number": "1"}, {"phone_type": "Work", "number": "2"}]))
    assert fax_only.mobile_number is None
    assert fax_only.primary_phone.number == "2"
    none = Patient.from_api(payloads.patient(patient_phone_numbers=None))
    assert none.patient_phone_numbers == () and none.primary_phone is None


def test_merged_patient_carries_the_survivor_id():
    p = Patient.from_api(payloads.patient(
        merged_at="2024-05-10T02:13:40Z", archived_at="2024-05-10T02:13:41Z",
        merged_with_patient=payloads.link("/patients/1390710863102485700"),
    ))
    assert p.merged_with_patient_id == 1390710863102485700
    assert p.was_merged and p.is_archived


def test_tolerant_of_unknown_missing_and_blank_fields():
    raw = {"id": "7", "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
           "email": "", "date_of_birth": "", "archived_at": "", "brand_new_field": {"x": 1}}
    p = Patient.from_api(raw)
    assert p.id == 7
    assert p.first_name == "" and p.email is None and p.date_of_birth is None
    assert p.archived_at is None and p.accepted_sms_marketing is None
    assert p.patient_phone_numbers == ()


@pytest.mark.parametrize("broken", [
    {"id": "12345", "updated_at": "not a time"},
    {"id": "12345", "updated_at": None},
    {"id": "12345", "accepted_email_marketing": "yes"},
    {"id": "12345", "patient_phone_numbers": [{"phone_type": "Mobile"}]},
])
def test_unreadable_patient_raises_with_its_id(broken):
    with pytest.raises(ClinikoDataError) as info:
        Patient.from_api(payloads.patient(**broken))
    assert info.value.resource == "patient"
    assert info.value.id == 12345
    assert "12345" in str(info.value)


def test_unreadable_id_is_a_data_error_too():
    with pytest.raises(ClinikoDataError):
        Patient.from_api(payloads.patient(id="1.39e18"))
    with pytest.raises(ClinikoDataError):
        Patient.from_api(["not", "an", "object"])


def test_records_are_frozen_and_slotted():
    p = Patient.from_api(payloads.patient())
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.email = "x@example.com"
    assert not hasattr(p, "__dict__")


def test_appointment_links_become_ids():
    a = Appointment.from_api(payloads.appointment())
    assert a.id == 1390726237298631770
    assert a.patient_id == 1390710863102485699
    assert a.practitioner_id == 1187447262236631478
    assert a.appointment_type_id == 1187447262941275010
    assert a.business_id == 1187447262513456065
    assert a.patient_case_id is None and a.repeated_from_id is None
    assert a.starts_at == datetime(2024, 6, 1, tzinfo=timezone.utc)
    assert a.cancellation_reason_description is None  # "" when not cancelled
    assert a.did_not_arrive is False and not a.is_cancelled


def test_cancelled_appointment():
    a = Appointment.from_api(payloads.appointment(
        cancelled_at="2024-05-03T01:02:03Z", cancellation_reason=30,
        cancellation_reason_description="Sick", cancellation_note="flu"))
    assert a.is_cancelled and a.cancellation_reason == 30
    assert a.cancellation_reason_description == "Sick"


def test_appointment_with_a_garbled_link_is_a_data_error():
    with pytest.raises(ClinikoDataError) as info:
        Appointment.from_api(payloads.appointment(patient={"links": {"self": f"{payloads.BASE}/patients/abc"}}))
    assert info.value.resource == "appointment" and info.value.id == 1390726237298631770


def test_reference_records():
    stamps = {"created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-02T00:00:00Z"}
    t = AppointmentType.from_api({"id": "5", "name": "Initial", "duration_in_minutes": 45,
                                  "max_attendees": 1, "color": "#aabbcc", **stamps})
    assert (t.id, t.name, t.duration_in_minutes, t.archived_at) == (5, "Initial", 45, None)

    pr = Practitioner.from_api({"id": "6", "first_name": "Ann", "last_name": "Lee", "active": True,
                                "user": payloads.link("/users/99"), **stamps})
    assert (pr.id, pr.user_id, pr.active, pr.display_name) == (6, 99, True, None)

    b = Business.from_api({"id": "8", "business_name": "Clinic", "time_zone_identifier": "Australia/Melbourne",
                           "appointment_type_ids": ["5", "9"], **stamps})
    assert (b.id, b.appointment_type_ids, b.time_zone_identifier) == (8, (5, 9), "Australia/Melbourne")

    u = User.from_api({"id": "99", "first_name": "Ann", "email": "ann@clinic.example",
                       "role": "administrator", "time_zone_identifier": "Australia/Sydney", **stamps})
    assert (u.id, u.role, u.email) == (99, "administrator", "ann@clinic.example")

    acct = Account.from_api({"account": {"id": "1", "subdomain": "my-org", "country_code": "AU"}})
    assert (acct.id, acct.subdomain, acct.country_code) == (1, "my-org", "AU")


def test_timestamps_with_offsets_normalise_to_utc():
    a = Appointment.from_api(payloads.appointment(starts_at="2024-06-01T10:00:00+10:00"))
    assert a.starts_at == datetime(2024, 6, 1, tzinfo=timezone.utc)
    assert a.starts_at.utcoffset().total_seconds() == 0


def test_patient_reads_the_rest_of_the_spec_fields():
    p = Patient.from_api(payloads.patient(
        pronouns={"accusative": "them", "nominative": "they", "predicative_possessive": "theirs",
                  "pronominal_possessive": "their", "reflexive": "themself"},
        notes="n", appointment_notes="an", occupation="Nurse", emergency_contact="Bo 0400",
        referral_source="Web", medicare="2123 45670 1", medicare_reference_number="1",
        dva_card_number="NX123456", invoice_default_to="Me", invoice_email="inv@example.com",
        invoice_extra_information="extra",
    ))
    assert p.pronouns.nominative == "they" and p.pronouns.reflexive == "themself"
    assert p.receives_confirmation_emails is True and p.receives_cancellation_emails is True
    assert (p.notes, p.appointment_notes, p.occupation, p.emergency_contact, p.referral_source) == (
        "n", "an", "Nurse", "Bo 0400", "Web")
    assert (p.medicare, p.medicare_reference_number, p.dva_card_number) == ("2123 45670 1", "1", "NX123456")
    assert (p.invoice_default_to, p.invoice_email, p.invoice_extra_information) == ("Me", "inv@example.com", "extra")
    assert p.concession_type_id == 1 and p.referring_doctor_id == 1
    assert p.latest_booking_id == 1390726237298631770
    bare = Patient.from_api({"id": "7", "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
                             "concession_type": None, "pronouns": None})
    assert bare.pronouns is None and bare.concession_type_id is None and bare.latest_booking_id is None


def test_appointment_reads_the_rest_of_the_spec_fields():
    a = Appointment.from_api(payloads.appointment(
        booking_ip_address="203.0.113.9", online_booking_policy_accepted=True,
        email_reminder_sent=True, sms_reminder_sent=False, has_patient_appointment_notes=False,
        invoice_status=2, treatment_note_status=1,
        repeat_rule={"repeat_type": "Weekly", "number_of_repeats": 5, "repeating_interval": 1},
    ))
    assert (a.booking_ip_address, a.online_booking_policy_accepted) == ("203.0.113.9", True)
    assert (a.email_reminder_sent, a.sms_reminder_sent, a.has_patient_appointment_notes) == (True, False, False)
    assert (a.invoice_status, a.treatment_note_status) == (2, 1)
    assert (a.repeat_rule.repeat_type, a.repeat_rule.number_of_repeats, a.repeat_rule.repeating_interval) == (
        "Weekly", 5, 1)
    # the real capture's {} and a null both mean "does not repeat"
    assert Appointment.from_api(payloads.appointment()).repeat_rule is None
    assert Appointment.from_api(payloads.appointment(repeat_rule=None)).repeat_rule is None


def test_reference_records_read_the_rest_of_the_spec_fields():
    stamps = {"created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-02T00:00:00Z"}
    t = AppointmentType.from_api({
        "id": "5", "name": "Initial", "online_payments_enabled": True, "online_payments_mode": "deposit_required",
        "deposit_price": "20.50", "add_deposit_to_account_credit": False, "online_bookings_lead_time_hours": 24,
        "appointment_confirmation_template_ids": ["1390710863102485699"],
        "appointment_reminder_template_ids": None, "appointment_follow_up_template_ids": ["3"], **stamps})
    assert (t.online_payments_enabled, t.online_payments_mode, t.deposit_price) == (True, "deposit_required", "20.50")
    assert (t.add_deposit_to_account_credit, t.online_bookings_lead_time_hours) == (False, 24)
    assert t.appointment_confirmation_template_ids == (1390710863102485699,)
    assert t.appointment_reminder_template_ids == () and t.appointment_follow_up_template_ids == (3,)
    assert AppointmentType.from_api({"id": "6", "online_payments_mode": None, **stamps}).online_payments_mode is None

    b = Business.from_api({"id": "8", "additional_information": "Parking at rear",
                           "additional_invoice_information": "ABN 1", "business_registration_name": "ABN",
                           "business_registration_value": "12 345", "appointment_reminders_enabled": True, **stamps})
    assert (b.additional_information, b.additional_invoice_information) == ("Parking at rear", "ABN 1")
    assert (b.business_registration_name, b.business_registration_value) == ("ABN", "12 345")
    assert b.appointment_reminders_enabled is True

    u = User.from_api({"id": "9", "user_active": True, "phone_numbers": [
        {"number": "0400 000 000", "phone_type": "Mobile", "normalized_number": "61400000000"},
        {"phone_type": "Home"}], **stamps})
    assert u.user_active is True and [n.number for n in u.phone_numbers] == ["0400 000 000"]


@pytest.mark.parametrize("bad", [
    {"deposit_price": "twenty"}, {"deposit_price": True}, {"duration_in_minutes": 30.5},
])
def test_reference_numbers_are_not_silently_rounded(bad):
    with pytest.raises(ClinikoDataError):
        AppointmentType.from_api({"id": "5", "created_at": "2024-01-01T00:00:00Z",
                                  "updated_at": "2024-01-01T00:00:00Z", **bad})


@pytest.mark.parametrize("raw_id", ["9223372036854775808", "0", "١٢٣", 1.0, "12 34"])
def test_ids_outside_int64_digits_are_data_errors(raw_id):
    with pytest.raises(ClinikoDataError):
        Patient.from_api(payloads.patient(id=raw_id))


def test_rails_style_utc_stamps_are_read():
    a = Appointment.from_api(payloads.appointment(starts_at="2024-06-01 00:00:00 UTC"))
    assert a.starts_at == datetime(2024, 6, 1, tzinfo=timezone.utc)


def test_text_no_database_can_store_is_cleaned_on_the_way_in():
    """A NUL stops PostgreSQL (and every sync after it); a lone surrogate stops any encoder."""
    raw = json.loads(json.dumps(payloads.patient(
        first_name="Ja\u0000ne", last_name="Cit\ud800izen", address_1="1 Smith\u0000 Street", notes="\u0000",
        patient_phone_numbers=[{"phone_type": "Mobile", "number": "0412\u0000345678"}])))
    p = Patient.from_api(raw)
    assert (p.first_name, p.last_name, p.address_1, p.notes) == ("Jane", "Cit\ufffdizen", "1 Smith Street", None)
    assert p.patient_phone_numbers[0].number == "0412345678"
    appointment = Appointment.from_api(payloads.appointment(notes="a\u0000b", cancellation_note="\u0000late"))
    assert (appointment.notes, appointment.cancellation_note) == ("ab", "late")
    stamps = {"created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-02T00:00:00Z"}
    assert Practitioner.from_api({"id": "6", "first_name": "Al\u0000ex", **stamps}).first_name == "Alex"
    assert AppointmentType.from_api({"id": "5", "name": "Ini\u0000tial", **stamps}).name == "Initial"
