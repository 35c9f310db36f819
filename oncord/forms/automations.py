"""The automation editor: one trigger with its settings, filters, spacing and the ordered steps.

Choices that come from the database (appointment types, practitioners, locations, templates, staff)
are filled in by the view; `oncord.automations.builder` checks what depends on the trigger.
"""
from flask_wtf import FlaskForm
from wtforms import Form, FormField, HiddenField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.fields.list import FieldList
from wtforms.validators import DataRequired, Length, NumberRange, Optional

TRIGGERS = [
    ("upcoming", "Before an appointment"),
    ("booked", "When an appointment is booked"),
    ("cancelled", "When an appointment is cancelled"),
    ("did_not_arrive", "When a patient did not arrive"),
    ("finished", "After an appointment"),
    ("no_return", "When a patient has not come back"),
]
UNITS = ["minutes", "hours", "days"]
WAIT_UNITS = ["hours", "days"]
STEP_TYPES = {"email": "Send an email", "sms": "Send an SMS", "wait": "Wait", "notify_staff": "Tell a staff member"}
MAX_STEPS = 20
LARGEST_AMOUNT = 10_000


def _optional_int(value):
    return int(value) if value not in (None, "") and str(value).isascii() and str(value).isdigit() and int(value) < 2**31 else None


class StepForm(Form):
    """One step; which fields count depends on its type (checked in builder.check)."""

    step_type = HiddenField()
    template_id = SelectField("Template", coerce=_optional_int, validate_choice=False)
    kind = RadioField("Send as", choices=[SelectChoice("factual", "Factual (reminder)"), SelectChoice("marketing", "Marketing")], default="factual",
                      validate_choice=False)
    wait_amount = IntegerField("Wait", validators=[Optional(), NumberRange(min=1, max=LARGEST_AMOUNT)], default=1)
    wait_unit = SelectField("Unit", choices=WAIT_UNITS, default="days", validate_choice=False)
    staff_user_id = SelectField("Staff member", coerce=_optional_int, validate_choice=False)


class AutomationForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the automation a name."), Length(max=200)],
                       description="For you: patients never see it.")
    trigger = RadioField("Starts", choices=[SelectChoice(v, label) for v, label in TRIGGERS], default="upcoming",
                         validators=[DataRequired("Choose what starts the automation.")])
    offset_amount = IntegerField("How long before", validators=[Optional(), NumberRange(min=0, max=LARGEST_AMOUNT)], default=24)
    offset_unit = SelectField("Unit", choices=UNITS, default="hours")
    late_booking = RadioField("Booked later than that", default="send",
                              choices=[SelectChoice("send", "Send at once (if the appointment is still ahead)"),
                                       SelectChoice("skip", "Skip it")])
    grace_minutes = IntegerField("Wait after the end (minutes)", default=60,
                                 validators=[Optional(), NumberRange(min=0, max=LARGEST_AMOUNT)],
                                 description="So a late “did not arrive” mark still counts.")
    no_return_days = IntegerField("Days after the last visit", default=180,
                                  validators=[Optional(), NumberRange(min=1, max=LARGEST_AMOUNT)])
    first_appointment_only = RadioField("Which bookings", default="all",
                                        choices=[SelectChoice("all", "Every booking"),
                                                 SelectChoice("first", "Only a patient's first appointment")])
    booking_kinds = RadioField("Appointments and classes", default="both",
                               choices=[SelectChoice("both", "Both"),
                                        SelectChoice("individual", "Individual appointments"),
                                        SelectChoice("group", "Group classes")])
    appointment_type_ids = SelectMultipleField("Appointment types", coerce=int, description="None chosen means any.")
    practitioner_ids = SelectMultipleField("Practitioners", coerce=int, description="None chosen means any.")
    business_ids = SelectMultipleField("Locations", coerce=int, description="None chosen means any.")
    spacing_tag = StringField("Tag", validators=[Length(max=64)],
                              description="Automations with the same tag keep their messages apart.")
    spacing_days = IntegerField("Skip if a message from this tag went in the last (days)",
                                validators=[Optional(), NumberRange(min=1, max=LARGEST_AMOUNT)])
    steps = FieldList(FormField(StepForm), max_entries=MAX_STEPS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.step_problems: list[str] = []  # about the steps as a whole, shown above them
