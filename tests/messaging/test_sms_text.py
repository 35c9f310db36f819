"""SMS segments: GSM-7 vs UCS-2 at the exact boundaries, extension characters, emoji, and the opt-out wording."""
import pytest

from oncord.messaging.merge_fields import ContactFields, MergeContext
from oncord.messaging.sms_text import count_segments, render_sms, with_opt_out


@pytest.mark.parametrize("text, encoding, units, segments", [
    ("", "GSM-7", 0, 0),
    ("a" * 160, "GSM-7", 160, 1),
    ("a" * 161, "GSM-7", 161, 2),
    ("a" * 306, "GSM-7", 306, 2),
    ("a" * 307, "GSM-7", 307, 3),
    ("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¡ÄÖÑÜ§¿äöñüà", "GSM-7", 41, 1),
    ("€" * 80, "GSM-7", 160, 1),  # extension characters take two septets
    ("€" * 80 + "a", "GSM-7", 161, 2),
    ("^{}\\[~]|€", "GSM-7", 18, 1),
    ("a" * 152 + "€" + "a" * 10, "GSM-7", 164, 2),  # the escape pair is not split across parts
    ("a" * 152 + "€" * 77, "GSM-7", 306, 3),
    ("ś" * 70, "UCS-2", 70, 1),
    ("ś" * 71, "UCS-2", 71, 2),
    ("ś" * 134, "UCS-2", 134, 2),
    ("ś" * 135, "UCS-2", 135, 3),
    ("😀" * 35, "UCS-2", 70, 1),  # each emoji is a surrogate pair: two UTF-16 units
    ("😀" * 35 + "a", "UCS-2", 71, 2),
    ("a" * 66 + "😀" + "a" * 66, "UCS-2", 134, 3),  # a pair is never split: it moves whole to the next part
    ("😀" + "a" * 159, "UCS-2", 161, 3),  # one emoji turns a 160-character single SMS into three parts
    ("It’s", "UCS-2", 4, 1),  # a curly apostrophe is not GSM-7
])
def test_segments(text, encoding, units, segments):
    count = count_segments(text)
    assert (count.encoding, count.units, count.segments) == (encoding, units, segments)


def test_the_limit_shown_grows_with_the_parts():
    assert count_segments("a").limit == 160 and count_segments("a" * 200).limit == 306
    assert count_segments("😀").limit == 70 and count_segments("😀" * 40).limit == 134


def test_marketing_sms_end_with_the_opt_out_wording_once():
    context = MergeContext(contact=ContactFields(first_name="Ana"))
    assert render_sms("Hi {{ contact.first_name }}, 10% off this week.", context, marketing=True) == \
        "Hi Ana, 10% off this week.\nReply STOP to opt out"
    assert render_sms("Hi {{ contact.first_name }}", context, marketing=True, opt_out_wording="Text STOP to end") == \
        "Hi Ana\nText STOP to end"
    assert render_sms("See you soon.", context, marketing=False) == "See you soon."
    assert with_opt_out("Sale! Reply STOP to opt out", "Reply STOP to opt out") == "Sale! Reply STOP to opt out"
