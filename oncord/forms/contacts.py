from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField, DateField, EmailField, SelectField, StringField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from oncord.contacts.duplicates import Duplicate, find_duplicates
from oncord.contacts.phones import PhoneNumberInvalid, to_e164
from oncord.contacts.records import ContactDetails
from oncord.models import ConsentStatus


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(label: str, max_length: int = 255, *validators, **kwargs) -> StringField:
    return StringField(label, validators=[*validators, Length(max=max_length)], filters=[_strip], **kwargs)


class NewContactForm(FlaskForm):
    first_name = _text("First name", 255, DataRequired("Enter a first name."))
    last_name = _text("Last name")
    email = EmailField("Email", filters=[_strip], validators=[
        Optional(), Length(max=255), Email("Enter an email address like name@example.com.")])
    phone = TelField("Mobile or phone", filters=[_strip], validators=[Optional(), Length(max=40)],
                     description="Australian numbers as you would dial them; others with + and the country code.")
    address_1 = _text("Address line 1")
    address_2 = _text("Address line 2")
    address_3 = _text("Address line 3")
    city = _text("Suburb")
    post_code = _text("Postcode", 32)
    state = _text("State")
    country_code = SelectField("Country", validators=[Optional()])
    date_of_birth = DateField("Date of birth", validators=[Optional()],
                              invalid_value_message="Enter a real date.")
    save_anyway = BooleanField("Save as a separate contact anyway")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.date_of_birth.render_kw = {"max": clinic_today().isoformat()}
        self.country_code.choices = country_choices()
        self.editing = kwargs.get("obj")  # the contact being edited; None when adding
        self.duplicates: list[Duplicate] = []

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.email.data and not self.phone.data and not self.email.errors and not self.phone.errors:
            self.email.errors.append("Enter an email or a phone number, so the clinic can reach them.")
            valid = False
        return self._check_duplicates() and valid

    def _check_duplicates(self) -> bool:
        """Another contact with this email or phone is named beside the field; saving needs `save_anyway`.

        An edit is only checked for the details it changes, so a family sharing one email is not
        asked again on every edit.
        """
        typed = {name: getattr(self, name).data for name in ("email", "phone")
                 if getattr(self, name).data and not getattr(self, name).errors}
        if self.editing is not None:
            current = {"email": (self.editing.email or "").lower(), "phone": self.editing.phone}
            typed = {name: value for name, value in typed.items()
                     if (value.lower() if name == "email" else value) != current[name]}
        self.duplicates = find_duplicates(typed.get("email"), typed.get("phone"),
                                          exclude_id=self.editing.id if self.editing is not None else None)
        if not self.duplicates or self.save_anyway.data:
            return True
        for duplicate in self.duplicates:
            getattr(self, duplicate.field).errors.append(_duplicate_message(duplicate))
        return False

    def validate_phone(self, field):
        try:
            field.data = to_e164(field.data)
        except PhoneNumberInvalid as exc:
            raise ValidationError(str(exc)) from None

    def validate_date_of_birth(self, field):
        if field.data is None:  # not a date: the field already says "Enter a real date"
            return
        if field.data > clinic_today():
            raise ValidationError("Date of birth cannot be in the future.")

    def to_details(self) -> ContactDetails:
        """The form's values; fields it does not have (consent, on the add form) keep their defaults."""
        return ContactDetails(**{name: getattr(self, name).data for name in ContactDetails.__dataclass_fields__
                                 if name in self._fields})


def _duplicate_message(duplicate: Duplicate) -> Markup:
    """The warning, with the existing contact's name linking to their page (in a new tab, so
    what was typed here stays)."""
    link = Markup('<a href="{}" target="_blank" rel="noopener">{}</a>').format(
        url_for("contacts.show", contact_id=duplicate.contact.id), duplicate.contact.name)
    return Markup("{} ({}) already has this {}.").format(link, duplicate.where, duplicate.detail)


def clinic_today() -> date:
    return datetime.now(ZoneInfo(current_app.config["CLINIC_TIMEZONE"])).date()


# Cliniko's default options; older accounts' free-text values are added per contact.
SEX_OPTIONS = ["Female", "Male", "AFAB", "AMAB", "Intersex"]
SEX_CHOICES = [SelectChoice("", "Not recorded")] + [SelectChoice(value, value) for value in SEX_OPTIONS]


def country_choices() -> list[tuple[str, str]]:
    import pycountry

    names = sorted((getattr(c, "common_name", None) or c.name, c.alpha_2) for c in pycountry.countries)
    return [SelectChoice("", "Not recorded")] + [SelectChoice(code, name) for name, code in names]


class EditContactForm(NewContactForm):
    """Every synced field, checked as Cliniko checks it; a linked contact's changes go to Cliniko."""

    gender = _text("Gender identity", 255, description="As the patient describes it.")
    sex = SelectField("Sex", choices=SEX_CHOICES, validators=[Optional()])
    email_status = SelectField("Email marketing", choices=[SelectChoice(s.value, s.label) for s in ConsentStatus])
    sms_status = SelectField("SMS marketing", choices=[SelectChoice(s.value, s.label) for s in ConsentStatus])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.sex.data and self.sex.data not in SEX_OPTIONS:  # Cliniko's free text "specify" values
            self.sex.choices = SEX_CHOICES + [SelectChoice(self.sex.data, self.sex.data)]

    def validate(self, extra_validators=None) -> bool:
        valid = FlaskForm.validate(self, extra_validators)  # an edit may leave both email and phone empty
        return self._check_duplicates() and valid
