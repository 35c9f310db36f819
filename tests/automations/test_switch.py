"""Switching on: the backfill date is a clinic-time day within the preview's week."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from oncord.automations.switch import BadBackfillDate, backfill_start

SYDNEY = ZoneInfo("Australia/Sydney")
NOW = datetime(2026, 4, 7, 2, 0, tzinfo=timezone.utc)  # Tuesday 12:00 in Sydney, after DST ended on the 5th


def test_the_day_starts_at_midnight_clinic_time_across_a_daylight_saving_change():
    assert backfill_start("2026-04-03", NOW, SYDNEY) == datetime(2026, 4, 2, 13, 0, tzinfo=timezone.utc)  # +11:00
    assert backfill_start("2026-04-06", NOW, SYDNEY) == datetime(2026, 4, 5, 14, 0, tzinfo=timezone.utc)  # +10:00


@pytest.mark.parametrize("text", ["", "tomorrow", "2026-04-08", "2026-03-30", "2026-02-30"])
def test_bad_days_are_refused(text):
    with pytest.raises(BadBackfillDate):
        backfill_start(text, NOW, SYDNEY)
