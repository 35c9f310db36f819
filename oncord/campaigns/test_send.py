"""A test of a campaign to the staff member writing it: the real message, made-up contact details.

It goes through `deliver()` under a fresh key (kind "test"), so it is in the ledger like any
message and reaches no contact; the connection is opened first, so a wrong password records nothing.
"""
from __future__ import annotations

import uuid

from oncord.messaging import ledger, merge_fields
from oncord.messaging.channels import TemporaryFailure, channel_for
from oncord.messaging.deliver import deliver
from oncord.messaging.drafts import EmailDraft, SmsDraft
from oncord.messaging.email_render import EmailSource, render_email
from oncord.messaging.message_templates import clinic_identity
from oncord.messaging import sms_text
from oncord.messaging.test_sends import TestSendFailed, normalise_mobile
from oncord.models import Campaign, Message, MessageStatus
from oncord.urls import external_url

TEST_PREFIX = "[Test] "


def send_test(campaign: Campaign, to: str) -> Message:
    """Send the campaign's message to `to` (an email address, or a mobile for SMS); raises TestSendFailed."""
    identity = clinic_identity()
    context = merge_fields.sample_context(identity.clinic, external_url("public_site.home"))
    try:
        if campaign.channel == "sms":
            body = sms_text.render_sms(campaign.body, context, marketing=True, opt_out_wording=identity.opt_out_wording)
            draft = SmsDraft(to=normalise_mobile(to), body=body)
        else:
            if "@" not in (to or "") or len(to) > 254:
                raise TestSendFailed("Enter an email address to send the test to.")
            email = render_email(EmailSource(campaign.subject or "", campaign.preheader or "", campaign.body), context,
                                 identity.branding, identity.sender, marketing=True)
            draft = EmailDraft(to=to.strip(), subject=TEST_PREFIX + email.subject, text=email.text, html=email.html)
    except merge_fields.TemplateError as exc:
        raise TestSendFailed(f"The message could not be filled in: {exc}") from None
    key = f"test:campaign:{campaign.id}:{uuid.uuid4()}"
    try:
        with channel_for(campaign.channel) as channel:
            message = deliver(key, None, draft, kind="test", source="test", source_id=None, channel=channel)
    except TemporaryFailure as exc:
        raise TestSendFailed(exc.reason) from None
    if message.status == MessageStatus.SENT.value:
        return message
    if message.status == MessageStatus.QUEUED.value:  # a test is never retried later
        ledger.mark_failed(message, (message.reason or "").removeprefix("Will try again: ")
                           or "The provider could not take it now.")
    raise TestSendFailed(message.reason or "It may or may not have been sent.")


