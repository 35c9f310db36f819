"""The audience's core rules: subscribed only, each contact once, count and materialise agree."""
from __future__ import annotations

from datetime import timedelta

from oncord.campaigns.audience import Conditions, DateRange, NOT_SUBSCRIBED, count, materialise
from oncord.models import ConsentStatus
from tests.campaigns.conftest import NOW


def test_everyone_subscribed_is_counted_once(db, person, visit):
    pat = person(first_name="Pat")
    for days in (1, 2, 3):  # three matching appointments: still one recipient
        visit(pat, NOW - timedelta(days=days))
    person(email_status=ConsentStatus.PENDING)
    conditions = Conditions(appointment_date=DateRange(last_days=30))
    found = count(conditions, "email", now=NOW)
    assert found.included == 1
    assert found.left_out == {}
    assert [c.id for c in found.sample] == [pat.id]
    assert materialise(conditions, "email", now=NOW) == [pat.id]


def test_not_subscribed_is_left_out_with_its_reason(db, person):
    person(email_status=ConsentStatus.PENDING)
    person(email_status=ConsentStatus.UNSUBSCRIBED)
    keep = person()
    found = count(Conditions(), "email", now=NOW)
    assert found.included == 1 and found.left_out == {NOT_SUBSCRIBED["email"]: 2}
    assert materialise(Conditions(), "email", now=NOW) == [keep.id]
