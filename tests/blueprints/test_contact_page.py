"""The contact page's Appointments card and activity feed."""
from datetime import timedelta

from oncord.contacts.appointments import APPOINTMENTS_PAGE_SIZE
from oncord.models import EventKind
from oncord.timestamps import utcnow
from tests.factories import ActivityEventFactory, AppointmentFactory, ContactFactory, PractitionerFactory

HX = {"HX-Request": "true"}


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_appointments_card_sits_above_the_feed_next_visit_first(client, db, login_as):
    login_as()
    contact = ContactFactory(linked=True)
    now = utcnow()
    doctor = PractitionerFactory(title="Dr", first_name="Kim", last_name="Tran", display_name=None)
    past = AppointmentFactory(contact=contact, starts_at=now - timedelta(days=10), patient_arrived=True)
    missed = AppointmentFactory(contact=contact, starts_at=now - timedelta(days=40), did_not_arrive=True)
    later = AppointmentFactory(contact=contact, starts_at=now + timedelta(days=20))
    soon = AppointmentFactory(contact=contact, starts_at=now + timedelta(days=2), practitioner=doctor)
    cancelled = AppointmentFactory(contact=contact, starts_at=now - timedelta(days=5), cancelled_at=now - timedelta(days=6),
                                   cancellation_reason="Feeling better")
    # Booked long ago, for next week: the feed is in booking order, the card in appointment order.
    booked_long_ago = ActivityEventFactory(contact=contact, appointment=later, kind=EventKind.APPOINTMENT_BOOKED.value,
                                           occurred_at=now - timedelta(days=60), backfill=True)
    booked_lately = ActivityEventFactory(contact=contact, appointment=past, kind=EventKind.APPOINTMENT_BOOKED.value,
                                         occurred_at=now - timedelta(days=13))
    db.session.commit()

    html = html_of(client.get(f"/contacts/{contact.id}"))
    card = html[html.index('id="appointments-card"'):html.index("<h2>Activity</h2>")]
    order = [card.index(f'id="appointment-{a.id}"') for a in (soon, later, cancelled, past, missed)]
    assert order == sorted(order)
    assert "2 upcoming · 3 past" in card and "with Dr Kim Tran" in card and soon.appointment_type.name in card
    for badge in ('pill-blue pill-small">Upcoming', 'pill-green pill-small">Arrived',
                  'pill-amber pill-small">Did not arrive', 'pill-red pill-small">Cancelled · Feeling better'):
        assert badge in card, badge
    feed = html[html.index("<h2>Activity</h2>"):]
    assert feed.index(f'id="event-{booked_lately.id}"') < feed.index(f'id="event-{booked_long_ago.id}"')
    assert feed.count("Appointment booked") == 2 and feed.count(">Imported from Cliniko</p>") == 1
    assert '<span class="appointment-when">For ' in feed  # the appointment's own time, labelled as such
    assert ">history<" not in html.lower()


def test_show_more_swaps_in_the_rest_of_the_appointments(client, db, login_as):
    login_as()
    contact = ContactFactory(linked=True)
    now = utcnow()
    booked = [AppointmentFactory(contact=contact, starts_at=now - timedelta(days=n + 1))
              for n in range(APPOINTMENTS_PAGE_SIZE + 3)]
    db.session.commit()
    html = html_of(client.get(f"/contacts/{contact.id}"))
    more = f"/contacts/{contact.id}/appointments?offset={APPOINTMENTS_PAGE_SIZE}"
    assert f'hx-get="{more}"' in html and "Show more (3 more)" in html
    assert f'id="appointment-{booked[APPOINTMENTS_PAGE_SIZE].id}"' not in html

    rest = html_of(client.get(more, headers=HX))
    assert "<html" not in rest and rest.count('<li class="appointment-row') == 3 and "Show more" not in rest
    assert f'id="appointment-{booked[-1].id}"' in rest
    assert "<html" in html_of(client.get(more))  # without HTMX: the whole page
    silly = html_of(client.get(f"/contacts/{contact.id}/appointments?offset=99999999999999999999", headers=HX))
    assert "appointment-row" not in silly  # past the end: nothing, not an error

def test_a_contact_without_appointments_says_so(client, db, login_as):
    login_as()
    contact = ContactFactory()
    db.session.commit()
    html = html_of(client.get(f"/contacts/{contact.id}"))
    assert "<h2>Appointments" in html and "No appointments: this contact is not linked to a Cliniko patient." in html
