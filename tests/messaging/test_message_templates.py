"""Saving templates: every part is checked (subject and preview text too); an SMS keeps only its body."""
import pytest

from oncord.messaging import message_templates as templates
from oncord.messaging.email_render import Branding, SenderIdentity
from oncord.messaging.merge_fields import ClinicFields, sample_context
from oncord.models import MessageTemplate


def _fields(**changes):
    base = dict(name="Recall", channel="email", kind="marketing", subject="Hi {{ contact.first_name }}",
                preheader="See you", body="Hello")
    return templates.TemplateFields(**{**base, **changes})


def test_problems_in_the_subject_and_preview_text_are_found_too():
    problems = templates.problems_of(_fields(subject="Hi {{ config }}", preheader="x\n{{ self.__dict__ }}"))
    assert [(p.line, p.message) for p in problems["subject"]] == [(1, "There is no merge field called “config”.")]
    assert problems["preheader"][0].line == 2 and "body" not in problems


def test_a_broken_template_is_never_saved(db):
    with pytest.raises(templates.TemplateInvalid) as refused:
        templates.create_template(_fields(preheader="{{ range(10) }}"), user=None)
    assert refused.value.errors == {"preheader": ["Line 1: Calling functions is not allowed: use the merge fields as they are."]}
    assert db.session.query(MessageTemplate).count() == 0


def test_an_sms_keeps_only_its_body(db):
    template = templates.create_template(_fields(channel="sms", subject="{{ config }}", body="Hi {{ contact.first_name }}"),
                                         user=None)
    assert (template.subject, template.preheader, template.body) == ("", "", "Hi {{ contact.first_name }}")


def test_previews_render_or_explain():
    identity = templates.ClinicIdentity(ClinicFields("Harbour Physio", "https://harbour.example/book"),
                                        Branding("Harbour Physio"), SenderIdentity("Harbour Physio", "1 Quay St"))
    context = sample_context(identity.clinic, "https://crm.example/unsubscribe/x")
    email = templates.preview(_fields(body="[Book]({{ clinic.booking_url }})"), context, identity, sample=True)
    assert 'href="https://harbour.example/book"' in email.email.html and "1 Quay St" in email.email.text
    sms = templates.preview(_fields(channel="sms", kind="factual", body="Hi {{ contact.first_name }}"), context, identity,
                            sample=True)
    assert sms.sms == "Hi Alex" and sms.sms_count.segments == 1
    broken = templates.preview(_fields(body="{{ contact.nope }}"), context, identity, sample=True)
    assert broken.problems["body"][0].line == 1 and broken.email is None
