from datetime import datetime, timedelta, timezone

from oncord.sync.consent import pulled_status, status_from_flag

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)


def test_consent_in_cliniko_means_subscribed_otherwise_pending():
    assert status_from_flag(True) == "subscribed"
    assert status_from_flag(False) == "pending"
    assert status_from_flag(None) == "pending"
    assert pulled_status(None, None, True, None, T0) == "subscribed"


def test_an_unchanged_flag_leaves_oncords_status_alone():
    assert pulled_status("unsubscribed", True, True, T0, T0 + timedelta(days=1)) == "unsubscribed"
    assert pulled_status("subscribed", False, False, T0, T0) == "subscribed"


def test_a_flag_change_after_the_unsubscribe_wins():
    assert pulled_status("unsubscribed", False, True, T0, T0 + timedelta(minutes=5)) == "subscribed"


def test_a_flag_change_from_before_the_unsubscribe_does_not():
    assert pulled_status("unsubscribed", False, True, T0, T0 - timedelta(minutes=5)) == "unsubscribed"


def test_withdrawn_consent_in_cliniko_makes_pending():
    assert pulled_status("subscribed", True, False, T0, T0 + timedelta(minutes=1)) == "pending"


def test_withdrawing_consent_in_cliniko_keeps_an_unsubscribe():
    assert pulled_status("unsubscribed", True, False, T0, T0 + timedelta(minutes=5)) == "unsubscribed"
