from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, StringField, TextAreaField, TimeField
from wtforms.validators import Length

from oncord.messaging.merge_fields import MAX_SOURCE_CHARS


class CampaignForm(FlaskForm):
    """The message; required fields and merge fields are checked by campaigns.editing, beside each field."""

    name = StringField("Name", validators=[Length(max=200)], description="For you: contacts never see it.")
    channel = HiddenField()
    subject = StringField("Subject", validators=[Length(max=255)])
    preheader = StringField("Preview text", validators=[Length(max=255)],
                            description="Shown after the subject in most inboxes.")
    body = TextAreaField("Message", validators=[Length(max=MAX_SOURCE_CHARS, message=(
        f"A message can be at most {MAX_SOURCE_CHARS:,} characters long."))])


class ScheduleForm(FlaskForm):
    """A date and time on the clinic's clock; checked (future, a real local time) by campaigns.scheduling."""

    send_date = DateField("Date", validators=[])
    send_time = TimeField("Time", validators=[])


class TestSendForm(FlaskForm):
    to = StringField("Send a test to", validators=[Length(max=254)])
