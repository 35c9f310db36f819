from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from oncord.messaging.merge_fields import MAX_SOURCE_CHARS
from oncord.models import TemplateKind


class MessageTemplateForm(FlaskForm):
    """Required fields and merge fields are checked by messaging.message_templates, beside each field."""

    name = StringField("Name", validators=[Length(max=200)], description="For you: contacts never see it.")
    channel = HiddenField()
    kind = RadioField("Kind", choices=[SelectChoice(k.value, k.label) for k in TemplateKind], default=TemplateKind.MARKETING.value,
                      description="Marketing goes only to subscribed contacts, with an unsubscribe link or STOP "
                                  "wording. Factual messages (a reminder) also reach contacts who have not said yes "
                                  "or no yet.")
    subject = StringField("Subject", validators=[Length(max=500)])
    preheader = StringField("Preview text", validators=[Length(max=500)],
                            description="Shown after the subject in most inboxes.")
    body = TextAreaField("Message", validators=[Length(max=MAX_SOURCE_CHARS, message=(
        f"A message can be at most {MAX_SOURCE_CHARS:,} characters long."))])
