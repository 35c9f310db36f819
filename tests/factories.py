"""factory_boy factories for models, bound to the app's session."""
from datetime import datetime, timedelta, timezone

import factory
from werkzeug.security import generate_password_hash

from oncord.extensions import db
from oncord.models import Page, Role, User
from oncord.models import (ActivityEvent, Appointment, AppointmentType, Business, ConsentStatus, Contact, EventKind,
                           Practitioner, contact_search_text)

TEST_PASSWORD = "correct horse battery"
_TEST_PASSWORD_HASH = generate_password_hash(TEST_PASSWORD)


class UserFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        model = User
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"user{n}@clinic.example")
    role = Role.STAFF.value
    active = True
    session_version = 1
    password_hash = _TEST_PASSWORD_HASH


# Contacts and what sync pulls alongside them. Cliniko ids are int64s, 19 digits like Cliniko's.
def _cliniko_id(n: int) -> int:
    return 1234567890123456789 + n


class _ModelFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class ContactFactory(_ModelFactory):
    class Meta:
        model = Contact

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda c: f"{c.first_name}.{c.last_name}@mail.example".lower())
    email_lower = factory.LazyAttribute(lambda c: c.email.lower() if c.email else None)
    phone = factory.Sequence(lambda n: f"+614{n % 100_000_000:08d}")
    email_status = ConsentStatus.PENDING.value
    sms_status = ConsentStatus.PENDING.value
    search_text = factory.LazyAttribute(lambda c: contact_search_text(c.first_name, c.last_name, c.email, c.phone))

    class Params:
        linked = factory.Trait(cliniko_patient_id=factory.Sequence(_cliniko_id))


class AppointmentTypeFactory(_ModelFactory):
    class Meta:
        model = AppointmentType

    id = factory.Sequence(lambda n: _cliniko_id(10_000 + n))
    name = factory.Iterator(["Initial consultation", "Standard consultation", "Follow-up"])
    duration_in_minutes = 30


class PractitionerFactory(_ModelFactory):
    class Meta:
        model = Practitioner

    id = factory.Sequence(lambda n: _cliniko_id(20_000 + n))
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    title = "Dr"


class BusinessFactory(_ModelFactory):
    class Meta:
        model = Business

    id = factory.Sequence(lambda n: _cliniko_id(40_000 + n))
    name = factory.Iterator(["Northside Clinic", "Southbank Clinic"])


class AppointmentFactory(_ModelFactory):
    id = factory.Sequence(lambda n: _cliniko_id(30_000 + n))
    contact = None  # pass a Contact to fill contact_id and patient_id
    contact_id = factory.LazyAttribute(lambda a: a.contact.id if a.contact else None)
    patient_id = factory.LazyAttribute(lambda a: a.contact.cliniko_patient_id if a.contact else None)
    appointment_type_id = factory.LazyAttribute(lambda a: a.appointment_type.id if a.appointment_type else None)
    practitioner_id = factory.LazyAttribute(lambda a: a.practitioner.id if a.practitioner else None)
    starts_at = factory.LazyFunction(lambda: datetime(2025, 3, 4, 23, 30, tzinfo=timezone.utc))
    ends_at = factory.LazyAttribute(lambda a: a.starts_at + timedelta(minutes=30))

    class Meta:
        model = Appointment
        exclude = ("contact", "appointment_type", "practitioner")

    appointment_type = factory.SubFactory(AppointmentTypeFactory)
    practitioner = factory.SubFactory(PractitionerFactory)


class ActivityEventFactory(_ModelFactory):
    class Meta:
        model = ActivityEvent
        exclude = ("contact", "appointment")

    contact = factory.SubFactory(ContactFactory)
    appointment = None
    contact_id = factory.LazyAttribute(lambda e: e.contact.id)
    appointment_id = factory.LazyAttribute(lambda e: e.appointment.id if e.appointment else None)
    kind = EventKind.PATIENT_IMPORTED.value
    occurred_at = factory.LazyFunction(lambda: datetime(2025, 3, 1, 0, 0, tzinfo=timezone.utc))
    data = factory.LazyFunction(dict)


class PageFactory(_ModelFactory):
    class Meta:
        model = Page

    title = factory.Sequence(lambda n: f"Page {n}")
    slug = factory.Sequence(lambda n: f"page-{n}")
    blocks = factory.LazyFunction(lambda: [{"type": "heading", "text": "Welcome", "level": 1}])
    published = False
    is_home = False
