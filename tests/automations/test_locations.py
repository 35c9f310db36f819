"""Locations (Cliniko businesses) in automations: the filter, the trigger in words and `appointment.location`."""
from datetime import timedelta

from oncord.automations.describe import Names, trigger_in_words
from oncord.models import AutomationStep, Trigger
from tests.automations.conftest import DAY, START

MIN = timedelta(minutes=1)


def test_a_reminder_for_one_location_names_it_in_words_and_in_the_message(clinic):
    south = int(clinic.world.add_business("Southbank Clinic")["id"])
    ana, bo = clinic.patient("Ana", "Smith"), clinic.patient("Bo", "Kim", patient_phone_numbers=[
        {"number": "0412 000 111", "phone_type": "Mobile"}])
    clinic.book(ana, START + 2 * DAY)
    clinic.business = south
    clinic.book(bo, START + 2 * DAY)
    clinic.sync()
    template = clinic.template(body="Hi {{ contact.first_name }}, see you at {{ appointment.location }}.")
    reminder = clinic.automation(Trigger.UPCOMING, [AutomationStep(type="sms", template_id=template.id,
                                                                   kind="factual")],
                                 offset_minutes=1440, business_ids=[south])
    assert trigger_in_words(reminder, Names.load()) == "24 hours before an appointment at Southbank Clinic"
    clinic.tick(START + DAY + MIN)
    [message] = clinic.messages(reminder)
    assert message.address == "+61412000111"
    assert message.body_text.startswith("Hi Bo, see you at Southbank Clinic.")
