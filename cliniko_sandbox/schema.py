"""SQLite tables of the sandbox world, one per Cliniko resource.

Columns keep Cliniko's field names so rendering and filtering map one to one.
Times are TEXT in Cliniko's own `%Y-%m-%dT%H:%M:%SZ` form: it sorts and compares
lexically, which is all the `q[]` operators need.
"""

from __future__ import annotations

# Column name -> SQL type. "BOOL" and "JSON" are stored as INTEGER/TEXT and
# converted by the store; every other type is stored as is.
TABLES: dict[str, dict[str, str]] = {
    # one row: the account `GET /settings` describes, and whose key the sandbox accepts
    "account": {
        "id": "INTEGER PRIMARY KEY",
        "name": "TEXT", "subdomain": "TEXT", "country": "TEXT", "country_code": "TEXT",
        "currency_symbol": "TEXT", "email_from": "TEXT", "first_name": "TEXT",
        "last_name": "TEXT", "time_zone_support": "BOOL", "key_user_id": "INTEGER",
    },
    "users": {
        "id": "INTEGER PRIMARY KEY",
        "first_name": "TEXT", "last_name": "TEXT", "title": "TEXT", "email": "TEXT",
        "role": "TEXT", "time_zone": "TEXT", "time_zone_identifier": "TEXT",
        "active": "BOOL", "user_active": "BOOL", "phone_numbers": "JSON",
        "created_at": "TEXT", "updated_at": "TEXT",
    },
    "businesses": {
        "id": "INTEGER PRIMARY KEY",
        "business_name": "TEXT", "display_name": "TEXT", "label": "TEXT",
        "address_1": "TEXT", "address_2": "TEXT", "city": "TEXT", "state": "TEXT",
        "post_code": "TEXT", "country": "TEXT", "country_code": "TEXT",
        "time_zone": "TEXT", "time_zone_identifier": "TEXT",
        "email_reply_to": "TEXT", "website_address": "TEXT", "contact_information": "TEXT",
        "additional_information": "TEXT", "additional_invoice_information": "TEXT",
        "business_registration_name": "TEXT", "business_registration_value": "TEXT",
        "appointment_reminders_enabled": "BOOL", "show_in_online_bookings": "BOOL",
        "appointment_type_ids": "JSON",
        "archived_at": "TEXT", "deleted_at": "TEXT", "created_at": "TEXT", "updated_at": "TEXT",
    },
    "practitioners": {
        "id": "INTEGER PRIMARY KEY",
        "user_id": "INTEGER", "first_name": "TEXT", "last_name": "TEXT", "title": "TEXT",
        "display_name": "TEXT", "label": "TEXT", "designation": "TEXT", "description": "TEXT",
        "active": "BOOL", "show_in_online_bookings": "BOOL",
        "default_appointment_type_id": "INTEGER", "business_ids": "JSON",
        "created_at": "TEXT", "updated_at": "TEXT",
    },
    "appointment_types": {
        "id": "INTEGER PRIMARY KEY",
        "name": "TEXT", "category": "TEXT", "color": "TEXT", "description": "TEXT",
        "duration_in_minutes": "INTEGER", "max_attendees": "INTEGER",
        "show_in_online_bookings": "BOOL", "telehealth_enabled": "BOOL",
        "online_payments_enabled": "BOOL", "add_deposit_to_account_credit": "BOOL",
        "online_payments_mode": "TEXT", "deposit_price": "TEXT",
        "online_bookings_lead_time_hours": "INTEGER",
        "appointment_confirmation_template_ids": "JSON",
        "appointment_reminder_template_ids": "JSON",
        "appointment_follow_up_template_ids": "JSON",
        "practitioner_ids": "JSON",
        "archived_at": "TEXT", "created_at": "TEXT", "updated_at": "TEXT",
    },
    "patients": {
        "id": "INTEGER PRIMARY KEY",
        "title": "TEXT", "first_name": "TEXT", "last_name": "TEXT",
        "preferred_first_name": "TEXT", "email": "TEXT", "patient_phone_numbers": "JSON",
        "address_1": "TEXT", "address_2": "TEXT", "address_3": "TEXT", "city": "TEXT",
        "state": "TEXT", "post_code": "TEXT", "country": "TEXT", "country_code": "TEXT",
        "date_of_birth": "TEXT", "sex": "TEXT", "gender_identity": "TEXT", "gender": "TEXT",
        "pronouns": "JSON",
        "accepted_email_marketing": "BOOL", "accepted_sms_marketing": "BOOL",
        "accepted_privacy_policy": "BOOL",
        "receives_confirmation_emails": "BOOL", "receives_cancellation_emails": "BOOL",
        "reminder_type": "TEXT", "time_zone": "TEXT", "notes": "TEXT",
        "appointment_notes": "TEXT", "occupation": "TEXT", "emergency_contact": "TEXT",
        "referral_source": "TEXT", "old_reference_id": "TEXT", "medicare": "TEXT",
        "medicare_reference_number": "TEXT", "dva_card_number": "TEXT",
        "invoice_default_to": "TEXT", "invoice_email": "TEXT",
        "invoice_extra_information": "TEXT", "custom_fields": "JSON",
        "concession_type_id": "INTEGER", "referring_doctor_id": "INTEGER",
        "merged_with_patient_id": "INTEGER", "merged_at": "TEXT",
        "archived_at": "TEXT", "deleted_at": "TEXT", "created_at": "TEXT", "updated_at": "TEXT",
    },
    "appointments": {
        "id": "INTEGER PRIMARY KEY",
        "attendee_id": "INTEGER",
        "starts_at": "TEXT", "ends_at": "TEXT",
        "appointment_type_id": "INTEGER", "business_id": "INTEGER",
        "practitioner_id": "INTEGER", "patient_id": "INTEGER", "patient_case_id": "INTEGER",
        "repeated_from_id": "INTEGER", "repeat_rule": "JSON", "notes": "TEXT",
        "cancelled_at": "TEXT", "cancellation_reason": "INTEGER", "cancellation_note": "TEXT",
        "did_not_arrive": "BOOL", "patient_arrived": "BOOL",
        "booking_ip_address": "TEXT", "online_booking_policy_accepted": "BOOL",
        "email_reminder_sent": "BOOL", "sms_reminder_sent": "BOOL",
        "has_patient_appointment_notes": "BOOL",
        "invoice_status": "INTEGER", "treatment_note_status": "INTEGER",
        "archived_at": "TEXT", "deleted_at": "TEXT", "created_at": "TEXT", "updated_at": "TEXT",
    },
    # a class: one time, one practitioner, up to `max_attendees` patients (its attendees)
    "group_appointments": {
        "id": "INTEGER PRIMARY KEY",
        "starts_at": "TEXT", "ends_at": "TEXT", "max_attendees": "INTEGER",
        "appointment_type_id": "INTEGER", "business_id": "INTEGER", "practitioner_id": "INTEGER",
        "repeated_from_id": "INTEGER", "repeat_rule": "JSON", "notes": "TEXT",
        "archived_at": "TEXT", "deleted_at": "TEXT", "created_at": "TEXT", "updated_at": "TEXT",
    },
    # a patient's seat in a class; individual appointments keep theirs on their own row
    "group_attendees": {
        "id": "INTEGER PRIMARY KEY",
        "booking_id": "INTEGER", "patient_id": "INTEGER", "patient_case_id": "INTEGER",
        "arrived": "BOOL", "notes": "TEXT",
        "cancelled_at": "TEXT", "cancellation_reason": "INTEGER", "cancellation_note": "TEXT",
        "booking_ip_address": "TEXT", "online_booking_policy_accepted": "BOOL",
        "email_reminder_sent": "BOOL", "sms_reminder_sent": "BOOL",
        "invoice_status": "INTEGER", "treatment_note_status": "INTEGER",
        "archived_at": "TEXT", "deleted_at": "TEXT", "created_at": "TEXT", "updated_at": "TEXT",
    },
}

# Cliniko's `/attendees` and `/bookings` mix both kinds: read-only views over the tables above.
# Each column has one affinity in every arm (hence the CASTs): then SQLite reads a view page
# as a merge of the arms' indexes instead of sorting every row left (3.40's flattening rule).
_ATTENDEE_COMMON = (
    "patient_id, patient_case_id, {arrived} AS arrived, notes, cancelled_at, cancellation_reason, "
    "cancellation_note, booking_ip_address, online_booking_policy_accepted, email_reminder_sent, "
    "sms_reminder_sent, invoice_status, treatment_note_status, archived_at, deleted_at, "
    "created_at, updated_at")
_BOOKING_COMMON = (
    "starts_at, ends_at, appointment_type_id, business_id, practitioner_id, repeated_from_id, "
    "repeat_rule, notes, archived_at, deleted_at, created_at, updated_at")
_I, _T = "CAST(NULL AS INTEGER)", "CAST(NULL AS TEXT)"
VIEWS: dict[str, tuple[str, dict[str, str]]] = {
    "attendees": (
        "SELECT attendee_id AS id, id AS booking_id, 'individual' AS kind, "
        + _ATTENDEE_COMMON.format(
            arrived="CAST(CASE WHEN patient_arrived THEN 1 WHEN did_not_arrive THEN 0 END AS INTEGER)")
        + " FROM appointments UNION ALL "
        "SELECT id, booking_id, 'group', " + _ATTENDEE_COMMON.format(arrived="arrived")
        + " FROM group_attendees",
        {"arrived": "BOOL", "online_booking_policy_accepted": "BOOL",
         "email_reminder_sent": "BOOL", "sms_reminder_sent": "BOOL"},
    ),
    "bookings": (
        "SELECT id, 'individual' AS kind, " + _BOOKING_COMMON + ", patient_id, patient_case_id, "
        "cancelled_at, cancellation_reason, cancellation_note, did_not_arrive, patient_arrived, "
        "booking_ip_address, online_booking_policy_accepted, email_reminder_sent, "
        "sms_reminder_sent, has_patient_appointment_notes, invoice_status, "
        f"treatment_note_status, {_I} AS max_attendees, "
        "CAST(json_array(patient_id) AS TEXT) AS patient_ids FROM appointments UNION ALL "
        f"SELECT id, 'group', {_BOOKING_COMMON}, {_I}, {_I}, {_T}, {_I}, {_T}, {_I}, {_I}, {_T}, "
        f"{_I}, {_I}, {_I}, {_I}, {_I}, {_I}, max_attendees, "
        "CAST((SELECT json_group_array(a.patient_id) FROM group_attendees a WHERE a.booking_id = "
        "group_appointments.id AND a.cancelled_at IS NULL AND a.archived_at IS NULL "
        "AND a.deleted_at IS NULL) AS TEXT) FROM group_appointments",
        {"repeat_rule": "JSON", "patient_ids": "JSON", "did_not_arrive": "BOOL",
         "patient_arrived": "BOOL", "online_booking_policy_accepted": "BOOL",
         "email_reminder_sent": "BOOL", "sms_reminder_sent": "BOOL",
         "has_patient_appointment_notes": "BOOL"},
    ),
}

INDEXES = [
    "CREATE INDEX ix_patients_created ON patients (created_at, id)",
    "CREATE INDEX ix_patients_updated ON patients (updated_at, id)",
    "CREATE INDEX ix_patients_archived ON patients (archived_at)",
    "CREATE INDEX ix_appointments_created ON appointments (created_at, id)",
    "CREATE INDEX ix_appointments_updated ON appointments (updated_at, id)",
    "CREATE INDEX ix_appointments_starts ON appointments (starts_at)",
    "CREATE INDEX ix_appointments_patient ON appointments (patient_id)",
    "CREATE INDEX ix_appointments_attendee ON appointments (attendee_id)",
    "CREATE INDEX ix_group_appointments_updated ON group_appointments (updated_at, id)",
    "CREATE INDEX ix_group_attendees_updated ON group_attendees (updated_at, id)",
    "CREATE INDEX ix_group_attendees_booking ON group_attendees (booking_id)",
    "CREATE INDEX ix_group_attendees_patient ON group_attendees (patient_id)",
]


def columns(table: str) -> list[str]:
    return list(TABLES[table])


def typed_columns(table: str, kind: str) -> frozenset[str]:
    types = TABLES[table] if table in TABLES else VIEWS[table][1]
    return frozenset(name for name, sql in types.items() if sql == kind)


def table_ddl(table: str) -> str:
    sql_type = {"BOOL": "INTEGER", "JSON": "TEXT"}
    body = ", ".join(f"{name} {sql_type.get(kind, kind)}" for name, kind in TABLES[table].items())
    return f"CREATE TABLE {table} ({body})"


def ddl() -> list[str]:
    """CREATE statements for a fresh world (tables first, then indexes)."""
    return ([table_ddl(table) for table in TABLES] + INDEXES
            + [f"CREATE VIEW {name} AS {sql}" for name, (sql, _) in VIEWS.items()])
