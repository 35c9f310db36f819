"""The contact page in a real browser: the Appointments card, the feed, and both sides of a merge."""
from datetime import timedelta

from playwright.sync_api import expect

from oncord.contacts.appointments import APPOINTMENTS_PAGE_SIZE
from oncord.models import ClinikoConnection, EventKind
from oncord.timestamps import utcnow
from tests.factories import (ActivityEventFactory, AppointmentFactory, AppointmentTypeFactory, ContactFactory,
                             PractitionerFactory)


def seed_patient(db):
    """A regular: two visits to come, a dozen behind, history imported on the first sync."""
    db.session.add(ClinikoConnection(shard="au2", subdomain="harbour-physio"))
    ana = ContactFactory(first_name="Ana", last_name="Smith", linked=True, email_status="subscribed",
                         sms_status="subscribed", city="Newtown")
    kim = PractitionerFactory(title="Dr", first_name="Kim", last_name="Tran", display_name=None)
    follow_up = AppointmentTypeFactory(name="Follow-up")
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    plan = [(21, {}), (4, {}), (9, {"cancelled_at": now - timedelta(days=1), "cancellation_reason": "Feeling better"})]
    plan += [(-7 * n, {"patient_arrived": n != 3, "did_not_arrive": n == 3}) for n in range(1, 13)]
    booked = []
    for days, fields in plan:
        appointment = AppointmentFactory(contact=ana, practitioner=kim, appointment_type=follow_up,
                                         starts_at=now + timedelta(days=days), **fields)
        booked.append(appointment)
        # Booked a fortnight ahead; imported on the first sync, like a real clinic's history.
        ActivityEventFactory(contact=ana, appointment=appointment, kind=EventKind.APPOINTMENT_BOOKED.value,
                             occurred_at=appointment.starts_at - timedelta(days=14), backfill=days < 0)
    ActivityEventFactory(contact=ana, kind=EventKind.PATIENT_IMPORTED.value, backfill=True,
                         occurred_at=now - timedelta(days=400))
    db.session.commit()
    return ana, booked


def test_appointments_card_then_the_feed(page, db, screenshot, sign_in):
    ana, booked = seed_patient(db)
    sign_in()
    page.goto(f"/contacts/{ana.id}")
    card = page.locator("#appointments-card")
    expect(card.locator("h2")).to_contain_text("3 upcoming · 12 past")
    rows = card.locator(".appointment-row")
    expect(rows).to_have_count(APPOINTMENTS_PAGE_SIZE)
    expect(rows.nth(0)).to_contain_text("Upcoming")  # in 4 days
    expect(rows.nth(0)).to_contain_text("Follow-up with Dr Kim Tran")
    expect(rows.nth(1)).to_contain_text("Cancelled · Feeling better")  # in 9 days
    expect(rows.nth(2)).to_contain_text("Upcoming")  # in 21 days
    expect(rows.nth(3)).to_contain_text("Arrived")  # last week
    # The card comes before the feed on the page.
    card_top = card.bounding_box()["y"]
    feed_top = page.locator("h2:has-text('Activity')").bounding_box()["y"]
    assert card_top < feed_top
    expect(page.locator(".feed .feed-note").first).to_have_text("Imported from Cliniko")
    expect(page.locator(".feed .tag")).to_have_count(0)
    screenshot("contact-appointments")

    page.evaluate("window.notReloaded = true")
    card.locator("text=Show more").click()
    expect(rows).to_have_count(len(booked))
    expect(card.locator("text=Show more")).to_have_count(0)
    expect(rows.nth(len(booked) - 1)).to_contain_text("Arrived")
    expect(card.locator(".appointment-row:has-text('Did not arrive')")).to_have_count(1)
    assert page.evaluate("window.notReloaded") is True
    screenshot("contact-appointments-all")


def test_both_sides_of_a_merge(page, db, screenshot, sign_in):
    db.session.add(ClinikoConnection(shard="au2", subdomain="harbour-physio"))
    sam = ContactFactory(first_name="Sam", last_name="Survivor", linked=True, email_status="subscribed",
                         sms_status="subscribed")
    dana = ContactFactory(first_name="Dana", last_name="Duplicate", linked=True, email_status="subscribed",
                          sms_status="subscribed", merged_into_patient_id=sam.cliniko_patient_id,
                          cliniko_archived_at=utcnow() - timedelta(days=2))
    when = utcnow() - timedelta(days=2)
    ActivityEventFactory(contact=dana, kind=EventKind.PATIENT_IMPORTED.value, occurred_at=when - timedelta(days=90))
    ActivityEventFactory(contact=dana, kind=EventKind.PATIENT_MERGED.value, occurred_at=when,
                         data={"patient_id": str(dana.cliniko_patient_id), "merged_into": str(sam.cliniko_patient_id)})
    ActivityEventFactory(contact=sam, kind=EventKind.PATIENT_MERGED_IN.value, occurred_at=when,
                         data={"patient_id": str(sam.cliniko_patient_id), "absorbed_patient_id": str(dana.cliniko_patient_id)})
    AppointmentFactory(contact=sam, starts_at=utcnow() + timedelta(days=3))
    db.session.commit()
    sign_in()

    page.goto("/contacts/")
    expect(page.locator(".contacts-table")).not_to_contain_text("Dana Duplicate")
    page.select_option("select[name=merged]", "include")
    expect(page.locator(".contacts-table tbody tr")).to_have_count(2)
    expect(page.locator("tr:has-text('Dana Duplicate')")).to_contain_text("Merged — not messaged")
    screenshot("contacts-list-merged-shown")

    page.click("text=Dana Duplicate")
    expect(page.locator(".notice-merged")).to_contain_text("Merged into Sam Survivor in Cliniko")
    expect(page.locator(".consent-list")).to_contain_text("Merged — not messaged")
    expect(page.locator(".feed")).to_contain_text("Merged into Sam Survivor")
    screenshot("contact-merged-away")

    page.locator(".notice-merged a:has-text('Sam Survivor')").click()
    expect(page.locator("h1")).to_contain_text("Sam Survivor")
    expect(page.locator(".feed")).to_contain_text("Dana Duplicate was merged into this patient")
    expect(page.locator(".consent-list .pill-green")).to_have_count(2)
    screenshot("contact-merge-survivor")


def test_appointments_card_at_phone_width(page, db, screenshot, sign_in):
    ana, _ = seed_patient(db)
    sign_in()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/contacts/{ana.id}")
    card = page.locator("#appointments-card")
    expect(card.locator(".appointment-row").first).to_contain_text("Upcoming")
    assert card.bounding_box()["width"] <= 390
    whole = screenshot("contact-appointments-phone")
    card.screenshot(path=str(whole.with_name("contact-appointments-phone-card.png")))  # the card, close up
