"""Email rendering: Markdown into the branded layout, CSS inlined, a text part, sender identity, unsubscribe."""
import re

import pytest

from oncord.messaging.email_render import (Branding, EmailSource, SenderIdentity, markdown_to_text, render_email)
from oncord.messaging.merge_fields import ContactFields, MergeContext, TemplateError, sample_context

SENDER = SenderIdentity("Harbour Physio", "1 Quay St, Sydney NSW 2000", "02 9000 0000", "https://harbour.example")
BRAND = Branding("Harbour Physio", logo_url="https://harbour.example/logo.png", accent_colour="#AA3311")
UNSUBSCRIBE = "https://crm.example/unsubscribe/tok123"
SOURCE = EmailSource(
    subject="Time for a check-up, {{ contact.first_name | default('there') }}",
    preheader="Book before {{ appointment.date }}",
    body="# Hello {{ contact.first_name }}\n\nIt has been a while. [Book online]({{ clinic.booking_url }}) "
         "or [this](javascript:alert(1)) or [that](data:text/html,x).\n\n- Bring your referral\n- Wear shorts\n\n"
         "<script>alert(1)</script>")


def _render(marketing=True, context=None, source=SOURCE):
    context = context or sample_context(unsubscribe_url=UNSUBSCRIBE)
    context = MergeContext(contact=context.contact, appointment=context.appointment, unsubscribe_url=context.unsubscribe_url,
                           clinic=type(context.clinic)("Harbour Physio", "https://harbour.example/book?a=1&b=2"))
    return render_email(source, context, BRAND, SENDER, marketing=marketing)


def test_marketing_email_has_branded_inlined_html_with_identity_and_unsubscribe():
    email = _render()
    assert email.subject == "Time for a check-up, Alex"
    html = email.html
    assert "<table" in html and 'role="presentation"' in html
    assert re.search(r'<td class="content"[^>]* style="[^"]*font-family', html)  # CSS inlined onto the cells
    assert "#AA3311" in html and 'src="https://harbour.example/logo.png"' in html
    assert re.search(r'class="preheader"[^>]*style="display: none', html) and "Book before Tuesday 4 March 2025" in html
    assert "<h1" in html and "Hello Alex</h1>" in html and "<li>Bring your referral</li>" in html
    assert 'href="https://harbour.example/book?a=1&amp;b=2"' in html
    assert "javascript:" not in html.replace("[this](javascript:alert(1))", "") and 'href="data:' not in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    for part in ("Harbour Physio", "1 Quay St, Sydney NSW 2000", "02 9000 0000", "https://harbour.example"):
        assert part in html and part in email.text
    assert f'href="{UNSUBSCRIBE}"' in html and f"Unsubscribe: {UNSUBSCRIBE}" in email.text
    assert "@media only screen" in html  # the responsive rule stays for clients that read it


def test_the_text_part_comes_from_the_same_markdown():
    text = _render().text
    assert text.startswith("Hello Alex\n\nIt has been a while. Book online (https://harbour.example/book?a=1&b=2)")
    assert "- Bring your referral\n- Wear shorts" in text and "<script>alert(1)</script>" in text
    assert markdown_to_text("[https://a.example](https://a.example) and **b**\n\n1. x\n2. y") == \
        "https://a.example and b\n\n1. x\n2. y"


def test_factual_email_keeps_the_identity_but_has_no_unsubscribe_link():
    email = _render(marketing=False, context=sample_context())
    assert "Unsubscribe" not in email.html and "Unsubscribe" not in email.text
    assert "1 Quay St, Sydney NSW 2000" in email.html and "1 Quay St, Sydney NSW 2000" in email.text


def test_marketing_without_an_unsubscribe_link_is_refused():
    with pytest.raises(TemplateError, match="unsubscribe"):
        _render(context=sample_context(unsubscribe_url=""))


def test_a_contacts_name_cannot_add_links_or_markup():
    context = MergeContext(contact=ContactFields(first_name="[Win](https://evil.example) **now** <img src=x>"),
                           unsubscribe_url=UNSUBSCRIBE)
    email = _render(context=context)
    assert "evil.example" not in re.sub(r"\[Win\]\(https://evil\.example\)", "", email.html)
    assert "<strong>now" not in email.html and "<img src=x" not in email.html
    assert "Hello [Win](https://evil.example) **now** <img src=x>" in email.text


def test_the_subject_is_one_line():
    email = _render(source=EmailSource("Hi\r\nBcc: everyone@example.com", "", "x"))
    assert email.subject == "Hi Bcc: everyone@example.com"


def test_branding_is_validated():
    with pytest.raises(ValueError, match="accent colour"):
        Branding("Clinic", accent_colour="red; background:url(x)")
    with pytest.raises(ValueError, match="logo"):
        Branding("Clinic", logo_url="javascript:alert(1)")
    assert Branding("Clinic", accent_colour="#abc").accent_colour == "#abc"
