from datetime import date, datetime, timedelta, timezone

from oncord.models import ClinikoConnection, Contact, EventKind
from tests.factories import ActivityEventFactory, AppointmentFactory, ContactFactory, PractitionerFactory

HX = {"HX-Request": "true"}


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_list_shows_contacts_with_a_nav_link(client, db, login_as):
    login_as()
    ContactFactory(first_name="Ana", last_name="Smith", email="ana@mail.example", phone="+61412345678",
                   email_status="subscribed", linked=True)
    db.session.commit()
    html = html_of(client.get("/contacts/"))
    assert 'href="/contacts/" class="active">Contacts</a>' in html
    assert "Ana Smith" in html and "ana@mail.example" in html and "0412 345 678" in html
    assert '<span class="avatar contact-avatar' in html and ">AS</span>" in html
    assert 'pill-green">Subscribed' in html and "Linked" in html
    assert 'hx-trigger="input changed delay:250ms, search"' in html and 'hx-push-url="true"' in html
    assert "1 contact" in html


def test_empty_list_explains_how_to_get_contacts(client, db, login_as):
    login_as()
    html = html_of(client.get("/contacts/"))
    assert "No contacts yet" in html and "import your patients, or" in html and "Settings &gt; Integrations" in html
    assert 'href="/contacts/new"' in html


def test_search_answers_htmx_with_rows_only(client, db, login_as):
    login_as()
    ContactFactory(first_name="Ana", last_name="Smith")
    ContactFactory(first_name="Ben", last_name="Jones")
    db.session.commit()
    response = client.get("/contacts/?q=smi&linked=&email=&sms=", headers=HX)
    html = html_of(response)
    assert response.headers["HX-Push-Url"] == "/contacts/?q=smi"
    assert "Ana Smith" in html and "Ben Jones" not in html
    assert "<html" not in html and "contact-filters" not in html
    assert "HX-Request" in response.headers["Vary"]
    page = html_of(client.get("/contacts/?q=smi"))  # the pushed URL, reloaded, is the whole page
    assert "<html" in page and 'value="smi"' in page and "Ben Jones" not in page
    assert "No contacts match" in html_of(client.get("/contacts/?q=nobody", headers=HX))


def test_filters_narrow_the_list_and_stay_selected(client, db, login_as):
    login_as()
    ContactFactory(first_name="Linked", last_name="Subscriber", linked=True, email_status="subscribed", sms_status="subscribed")
    ContactFactory(first_name="Local", last_name="Only", email_status="unsubscribed")
    db.session.commit()
    html = html_of(client.get("/contacts/?linked=yes"))
    assert "Linked Subscriber" in html and "Local Only" not in html and '<option value="yes" selected>' in html
    html = html_of(client.get("/contacts/?linked=no&email=unsubscribed", headers=HX))
    assert "Local Only" in html and "Linked Subscriber" not in html
    html = html_of(client.get("/contacts/?sms=subscribed&email=bogus", headers=HX))  # unknown values are ignored
    assert "Linked Subscriber" in html and "Local Only" not in html


def test_pages_link_onwards_keeping_the_filters(client, db, login_as, monkeypatch):
    login_as()
    monkeypatch.setattr("oncord.contacts.search.PAGE_SIZE", 2)
    contacts = [ContactFactory(first_name="Pat", last_name=f"Smith {n}") for n in range(3)]
    db.session.commit()
    html = html_of(client.get("/contacts/?q=smith", headers=HX))
    assert "Smith 0" in html and "Smith 1" in html and "Smith 2" not in html
    assert f'href="/contacts/?q=smith&amp;after={contacts[1].id}"' in html
    html = html_of(client.get(f"/contacts/?q=smith&after={contacts[1].id}", headers=HX))
    assert "Smith 2" in html and "Smith 1" not in html
    assert f'href="/contacts/?q=smith&amp;before={contacts[2].id}"' in html


def test_contact_page_shows_every_field_and_the_cliniko_link(client, db, login_as):
    login_as()
    db.session.add(ClinikoConnection(shard="au2", subdomain="harbour-physio"))
    contact = ContactFactory(
        first_name="Ana", last_name="Smith", email="ana@mail.example", phone="+61412345678", linked=True,
        address_1="1 Harbour St", address_2="Level 2", address_3="Suite 5", city="Newtown", post_code="2042",
        state="NSW", country="Australia", date_of_birth=date(1990, 5, 1), gender="Woman", sex="Female",
        email_status="subscribed", sms_status="unsubscribed", link_note="Matched by email on the first pull.",
        cliniko_archived_at=datetime(2025, 1, 1, tzinfo=timezone.utc))
    db.session.commit()
    html = html_of(client.get(f"/contacts/{contact.id}"))
    for text in ("ana@mail.example", "0412 345 678", "1 Harbour St", "Level 2", "Suite 5", "Newtown", "2042", "NSW",
                 "Australia", "1 May 1990", "Woman", "Female", "Matched by email on the first pull.", "Archived in Cliniko"):
        assert text in html, text
    url = f"https://harbour-physio.au2.cliniko.com/patients/{contact.cliniko_patient_id}"
    assert f'<a class="badge-cliniko" href="{url}" target="_blank" rel="noopener"' in html
    # Archived in Cliniko: never messaged, whatever the stored consent says.
    assert 'pill-green">Subscribed' not in html and html.count("Archived — not messaged</span>") == 2


def test_without_a_subdomain_the_badge_shows_the_patient_id(client, db, login_as):
    login_as()
    db.session.add(ClinikoConnection(shard="au2"))
    contact = ContactFactory(linked=True, sms_status="pending")
    db.session.commit()
    html = html_of(client.get(f"/contacts/{contact.id}"))
    assert f'<span class="badge-cliniko" title="Linked to Cliniko patient {contact.cliniko_patient_id}">' in html
    assert "cliniko.com" not in html and 'pill-amber">Pending' in html


def test_the_feed_shows_appointments_in_clinic_time_with_their_status(client, db, login_as):
    login_as()
    contact = ContactFactory(linked=True)
    doctor = PractitionerFactory(title="Dr", first_name="Kim", last_name="Tran", display_name=None)
    starts = datetime(2025, 3, 4, 23, 30, tzinfo=timezone.utc)  # 10:30 AM on the 5th in Sydney
    arrived = AppointmentFactory(contact=contact, practitioner=doctor, starts_at=starts, patient_arrived=True)
    cancelled = AppointmentFactory(contact=contact, starts_at=starts + timedelta(days=7),
                                   cancelled_at=starts, cancellation_reason="Feeling better")
    missed = AppointmentFactory(contact=contact, starts_at=starts + timedelta(days=14), did_not_arrive=True)
    for n, (appointment, kind) in enumerate([(arrived, EventKind.APPOINTMENT_ARRIVED), (cancelled, EventKind.APPOINTMENT_CANCELLED),
                                             (missed, EventKind.APPOINTMENT_DID_NOT_ARRIVE)]):
        ActivityEventFactory(contact=contact, appointment=appointment, kind=kind.value, occurred_at=starts + timedelta(days=n))
    ActivityEventFactory(contact=contact, kind="patient_imported", backfill=True, occurred_at=starts - timedelta(days=1))
    db.session.commit()
    html = html_of(client.get(f"/contacts/{contact.id}"))
    assert "Wed 5 Mar 2025, 10:30 AM" in html and arrived.appointment_type.name in html and "with Dr Kim Tran" in html
    assert 'pill-green pill-small">Arrived' in html
    assert "Cancelled · Feeling better" in html
    assert 'pill-amber pill-small">Did not arrive' in html
    assert "Added as a patient in Cliniko" in html and ">Imported from Cliniko</p>" in html and ">history<" not in html
    newest_first = [html.index(text) for text in ("Did not arrive for an appointment", "Appointment cancelled",
                                                  "Arrived for an appointment", "Added as a patient in Cliniko")]
    assert newest_first == sorted(newest_first)


def test_load_more_swaps_in_older_events(client, db, login_as):
    login_as()
    contact = ContactFactory()
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    events = [ActivityEventFactory(contact=contact, kind="patient_updated", occurred_at=start + timedelta(hours=n))
              for n in range(25)]
    db.session.commit()
    html = html_of(client.get(f"/contacts/{contact.id}"))
    assert f'id="event-{events[5].id}"' in html and f'id="event-{events[4].id}"' not in html
    more = f"/contacts/{contact.id}/activity?before={events[5].id}"
    assert f'hx-get="{more}" hx-target="closest li" hx-swap="outerHTML">Load more' in html
    fragment = html_of(client.get(more, headers=HX))
    assert fragment.lstrip().startswith("<li") and "<html" not in fragment
    assert [f'id="event-{e.id}"' in fragment for e in events[:5]] == [True] * 5 and "Load more" not in fragment
    assert "<html" in html_of(client.get(more))  # without HTMX, the link still works


def test_unknown_contacts_are_not_found(client, db, login_as):
    login_as()
    assert client.get("/contacts/999999").status_code == 404
    assert client.get("/contacts/999999/activity").status_code == 404


def test_create_explains_bad_input(client, db, login_as, csrf_token):
    login_as()
    token = csrf_token("/contacts/new")
    page = html_of(client.get("/contacts/new"))
    assert "never sent to Cliniko" in page and 'type="date"' in page
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    html = html_of(client.post("/contacts/new", data={"first_name": " ", "email": "not-an-email", "phone": "12 34",
                                                      "date_of_birth": tomorrow, "csrf_token": token}))
    for message in ("Enter a first name.", "Enter an email address like name@example.com.",
                    "is not a valid phone number", "Date of birth cannot be in the future."):
        assert message in html, message
    html = html_of(client.post("/contacts/new", data={"first_name": "Ana", "csrf_token": token}))
    assert "Enter an email or a phone number" in html
    assert db.session.query(Contact).count() == 0


def test_create_stores_the_contact_and_shows_it(client, db, login_as, csrf_token):
    login_as()
    response = client.post("/contacts/new", data={
        "first_name": "Ana", "last_name": "Smith", "email": "ana@mail.example", "phone": "0412 345 678",
        "city": "Newtown", "date_of_birth": "1990-05-01", "csrf_token": csrf_token("/contacts/new")})
    assert response.status_code == 302
    contact = db.session.query(Contact).one()
    assert response.headers["Location"] == f"/contacts/{contact.id}"
    assert (contact.phone, contact.city, contact.date_of_birth, contact.cliniko_patient_id) == (
        "+61412345678", "Newtown", date(1990, 5, 1), None)
    html = html_of(client.get(response.headers["Location"]))
    assert "Ana Smith was added" in html and "Only in oncord" in html
    assert "Ana Smith" in html_of(client.get("/contacts/?q=0412345678", headers=HX))


def test_a_chosen_status_filter_says_which_channel_it_is(client, db, login_as):
    login_as()
    ContactFactory(email_status="subscribed", sms_status="subscribed")
    db.session.commit()
    html = html_of(client.get("/contacts/?email=subscribed&sms=unsubscribed"))
    assert '<option value="subscribed" selected>Email: Subscribed</option>' in html
    assert '<option value="unsubscribed" selected>SMS: Unsubscribed</option>' in html
    assert ">Subscribed</option>" not in html  # no bare status that could be either channel


def test_an_empty_result_says_what_is_true_for_what_was_asked(client, db, login_as):
    login_as()
    ContactFactory(first_name="Ana", last_name="Smith", email_status="pending")
    db.session.commit()
    filters_only = html_of(client.get("/contacts/?email=subscribed", headers=HX))
    assert "No contacts match" in filters_only and "Check the spelling" not in filters_only
    assert "No contact has every filter you chose" in filters_only and 'href="/contacts/"' in filters_only
    typed = html_of(client.get("/contacts/?q=nobody&email=subscribed", headers=HX))
    assert "Check the spelling" in typed


def test_paging_brings_the_top_of_the_list_into_view(client, db, login_as, monkeypatch):
    login_as()
    monkeypatch.setattr("oncord.contacts.search.PAGE_SIZE", 1)
    ContactFactory(last_name="A"), ContactFactory(last_name="B"), ContactFactory(last_name="C")
    db.session.commit()
    html = html_of(client.get("/contacts/", headers=HX))
    second = html_of(client.get(html.split('hx-get="')[1].split('"')[0].replace("&amp;", "&"), headers=HX))
    for page in (html, second):
        pager = page[page.index('class="pager"'):]
        links = pager.count('hx-get="')
        assert links and pager.count('hx-swap="innerHTML show:.contacts-card:top"') == links
    assert 'class="card flush contacts-card"' in html_of(client.get("/contacts/"))


def test_class_attendances_show_in_the_feed_and_the_appointments_card_with_the_class_name(client, db, login_as):
    from tests.factories import AppointmentTypeFactory
    login_as()
    contact = ContactFactory(linked=True)
    pilates = AppointmentTypeFactory(name="Clinical Pilates")
    starts = datetime(2025, 3, 4, 23, 30, tzinfo=timezone.utc)
    seat = AppointmentFactory(id=-1390000000000000042, contact=contact, appointment_type=pilates, starts_at=starts,
                              kind="group", group_appointment_id=1390000000000000007,
                              attendee_id=1390000000000000042, did_not_arrive=True)
    single = AppointmentFactory(contact=contact, starts_at=starts + timedelta(days=1))
    ActivityEventFactory(contact=contact, appointment=seat, kind=EventKind.APPOINTMENT_BOOKED.value, occurred_at=starts)
    ActivityEventFactory(contact=contact, appointment=seat, kind=EventKind.APPOINTMENT_DID_NOT_ARRIVE.value,
                         occurred_at=starts + timedelta(hours=2))
    ActivityEventFactory(contact=contact, appointment=single, kind=EventKind.APPOINTMENT_BOOKED.value,
                         occurred_at=starts + timedelta(hours=3))
    db.session.commit()
    html = html_of(client.get(f"/contacts/{contact.id}"))
    assert "Booked into a class" in html and "Did not arrive for a class" in html and "Appointment booked" in html
    assert html.count("Clinical Pilates") >= 3  # two feed items and the card
    assert html.count('pill-small">Group class') == 3
    assert 'id="appointment--1390000000000000042"' in html
