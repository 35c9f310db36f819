"""Settings > Messaging: SMTP, Twilio, the sender's identity, branding, SMS opt-out wording."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Email, Length, Optional, Regexp, ValidationError

from oncord.messaging.settings import insecure_smtp_reason
from oncord.models.messaging_settings import DEFAULT_SMS_OPT_OUT_WORDING

HOST = r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$"
ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
SECRET_INPUT = {"autocomplete": "new-password", "spellcheck": "false"}


def twilio_sender(form, field):
    """A number (+61412345678), an alphanumeric sender ID, or a Messaging Service SID."""
    value = (field.data or "").strip()
    field.data = value
    if not value:
        return
    if re.fullmatch(r"\+[1-9][0-9]{6,14}", value) or ALPHANUMERIC_SENDER.fullmatch(value) \
            or re.fullmatch(r"MG[0-9a-fA-F]{32}", value):
        return
    raise ValidationError("Enter a number in international format (+61412345678), a sender name of 1 to 11 "
                          "letters and digits with at least one letter, or a Messaging Service SID (MG...).")


def https_only(form, field):
    if field.data and not field.data.lower().startswith("https://"):
        raise ValidationError("The logo must be on an https:// address, or email programs will not show it.")


class MessagingSettingsForm(FlaskForm):
    smtp_host = StringField("SMTP server", validators=[Optional(), Length(max=255),
                                                       Regexp(HOST, message="Enter a host name such as smtp.example.com.")],
                            description="Leave empty to keep email in outbox mode.")
    smtp_port = StringField("Port", validators=[Optional(), Regexp(r"^[0-9]{1,5}$", message="The port is a number, e.g. 587.")],
                            description="Empty: 587 for STARTTLS, 465 for SSL/TLS, 25 for none.")
    smtp_security = SelectField("Security", choices=[SelectChoice("starttls", "STARTTLS"), SelectChoice("ssl", "SSL/TLS"),
                                                     SelectChoice("none", "None (only for a server on this machine)")])
    smtp_username = StringField("Username", validators=[Optional(), Length(max=255)],
                                render_kw={"autocomplete": "off", "spellcheck": "false"})
    smtp_password = PasswordField("Password", validators=[Optional(), Length(max=500)], render_kw=SECRET_INPUT)
    clear_smtp_password = BooleanField("Remove the saved password")
    from_name = StringField("From name", validators=[Optional(), Length(max=255)])
    from_address = StringField("From address", validators=[Optional(), Length(max=320),
                                                           Email(message="Enter an email address such as hello@yourclinic.com.")])
    reply_to = StringField("Reply-To", validators=[Optional(), Length(max=320),
                                                   Email(message="Enter an email address such as reception@yourclinic.com.")],
                           description="Optional: where replies go, if not the From address.")

    twilio_account_sid = StringField("Account SID", validators=[
        Optional(), Regexp(r"^AC[0-9a-fA-F]{32}$", message="The Account SID starts with AC followed by 32 letters and digits.")],
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    twilio_auth_token = PasswordField("Auth token", validators=[Optional(), Length(max=200)], render_kw=SECRET_INPUT)
    clear_twilio_auth_token = BooleanField("Remove the saved auth token")
    twilio_sender = StringField("Sender", validators=[Length(max=64), twilio_sender],
                                description="A Twilio number (+61412345678), a sender name (up to 11 letters and digits) "
                                            "or a Messaging Service SID (MG...).")

    clinic_name = StringField("Clinic name", validators=[Optional(), Length(max=255)])
    postal_address = TextAreaField("Postal address", validators=[Optional(), Length(max=1000)])
    phone = StringField("Phone", validators=[Optional(), Length(max=64)])
    website = StringField("Website", validators=[Optional(), Length(max=255),
                                                 URL(message="Enter the full address, e.g. https://yourclinic.com.")])

    logo_url = StringField("Logo URL", validators=[Optional(), Length(max=1024), https_only,
                                                   URL(message="Enter the full address of the logo image.")],
                           description="Optional: an https:// image address shown at the top of emails.")
    accent_colour = StringField("Accent colour", validators=[Optional(), Regexp(r"^#[0-9a-fA-F]{6}$",
                                                                                message="Enter a colour as #rrggbb, e.g. #0f766e.")])
    sms_opt_out_wording = StringField("SMS opt-out wording", validators=[
        DataRequired(message="Marketing SMS must say how to opt out."), Length(max=160)],
        default=DEFAULT_SMS_OPT_OUT_WORDING, description="Added to the end of every marketing SMS.")

    def __init__(self, *args, locked: frozenset[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.locked = locked  # fields the environment decides: shown, never saved

    def validate(self, extra_validators=None) -> bool:
        for name in self.locked:  # disabled inputs post nothing: do not judge them
            field = getattr(self, name)
            field.validators, field.validate_choice = [Optional()], False
        ok = super().validate(extra_validators)
        if "smtp_host" not in self.locked and self.smtp_host.data:
            if reason := insecure_smtp_reason(self.smtp_host.data, self.smtp_security.data):
                self.smtp_security.errors.append(reason)
                ok = False
            if not self.from_address.data:
                self.from_address.errors.append("Enter the address emails are sent from.")
                ok = False
        return ok

    def values(self) -> dict:
        """The submitted settings, blank as None, the port as a number."""
        names = ("smtp_host", "smtp_port", "smtp_security", "smtp_username", "smtp_password", "from_name",
                 "from_address", "reply_to", "twilio_account_sid", "twilio_auth_token", "twilio_sender", "clinic_name",
                 "postal_address", "phone", "website", "logo_url", "accent_colour", "sms_opt_out_wording")
        values = {name: (getattr(self, name).data or "").strip() or None for name in names}
        values["smtp_port"] = int(values["smtp_port"]) if values["smtp_port"] else None
        return values

    def validate_smtp_port(self, field):
        if field.data and field.data.isdigit() and not 1 <= int(field.data) <= 65535:
            raise ValidationError("The port is a number from 1 to 65535.")
