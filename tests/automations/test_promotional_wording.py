"""The warning for factual messages whose wording looks like marketing."""
import pytest

from oncord.automations.promotional_wording import promotional_phrases


@pytest.mark.parametrize("text, phrase", [
    ("Get 20% off your next visit", "20% off"),
    ("A special offer for you", "special"),
    ("Our new discount for families", "discount"),
    ("The price is now lower", "price"),
    ("Only $49 this week", "$4"),
    ("Your first massage is FREE", "FREE"),
    ("Book now to keep your spot", "Book now"),
    ("A great deal on orthotics", "deal"),
    ("Use promo code HELLO", "promo"),
])
def test_promotional_wording_is_found(text, phrase):
    assert phrase in promotional_phrases(text)


@pytest.mark.parametrize("text", [
    "Hi {{ contact.first_name }}, a reminder of your appointment tomorrow at 10:00 with Dr Lee.",
    "Your appointment was cancelled. Reply to this message or call us to choose a new time.",
    "Please arrive 10 minutes early and bring your referral.",
    "{% if appointment.practitioner %}with {{ appointment.practitioner }}{% endif %}",
    "We are offering nothing but a freeway exit map: take the Dealey Street turn.",  # words only, not parts
    "",
    None,
])
def test_plain_reminders_are_not_flagged(text):
    assert promotional_phrases(text) == []


def test_each_phrase_is_listed_once_in_order_across_subject_and_body():
    assert promotional_phrases("Free parking", "Book now: free for members, 10% off") == ["Free", "Book now", "10% off"]


def test_merge_field_names_are_not_wording():
    assert promotional_phrases("Total: {{ appointment.price }} {{ offer }}") == []
