"""Automations in staff words."""
from types import SimpleNamespace

import pytest

from oncord.automations.describe import Names, amount_and_unit, trigger_in_words

NAMES = Names(appointment_types={1: "Initial Consultation", 2: "Follow-up"}, practitioners={7: "Dr Lee", 8: "Dr Kim"},
              locations={5: "Northside Clinic"})


def _automation(trigger, **fields):
    base = dict(offset_minutes=None, grace_minutes=60, no_return_days=None, first_appointment_only=False,
                appointment_type_ids=[], practitioner_ids=[], business_ids=[])
    return SimpleNamespace(trigger=trigger, **{**base, **fields})


@pytest.mark.parametrize("automation, words", [
    (_automation("upcoming", offset_minutes=1440, appointment_type_ids=[1], practitioner_ids=[7]),
     "24 hours before an Initial Consultation with Dr Lee"),
    (_automation("upcoming", offset_minutes=4320), "3 days before an appointment"),
    (_automation("upcoming", offset_minutes=90, practitioner_ids=[7, 8], business_ids=[3]),
     "90 minutes before an appointment with Dr Lee or Dr Kim at Location #3"),
    (_automation("cancelled", business_ids=[5]), "When an appointment at Northside Clinic is cancelled"),
    (_automation("cancelled"), "When an appointment is cancelled"),
    (_automation("did_not_arrive", appointment_type_ids=[1, 2]),
     "When a patient did not arrive for an Initial Consultation or a Follow-up"),
    (_automation("finished"), "1 hour after an appointment ends"),
    (_automation("booked", first_appointment_only=True), "When a patient's first appointment is booked"),
    (_automation("booked"), "When an appointment is booked"),
    (_automation("no_return", no_return_days=180), "180 days after an appointment, when nothing else is booked"),
    (_automation("upcoming", offset_minutes=60, practitioner_ids=[99]), "1 hour before an appointment with practitioner #99"),
])
def test_trigger_in_words(automation, words):
    assert trigger_in_words(automation, NAMES) == words


@pytest.mark.parametrize("minutes, units, expected", [
    (1440, ("minutes", "hours", "days"), (24, "hours")), (2880, ("minutes", "hours", "days"), (48, "hours")),
    (4320, ("minutes", "hours", "days"), (3, "days")), (45, ("minutes", "hours", "days"), (45, "minutes")),
    (1440, ("hours", "days"), (24, "hours")), (10080, ("hours", "days"), (7, "days")), (0, ("minutes", "hours", "days"), (0, "minutes")),
])
def test_amount_and_unit_round_trips_what_staff_typed(minutes, units, expected):
    assert amount_and_unit(minutes, units) == expected
