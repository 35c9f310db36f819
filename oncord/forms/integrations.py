from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, TextAreaField, URLField
from wtforms.validators import URL, DataRequired, Length, Optional, Regexp
from wtforms.widgets import PasswordInput


class ConnectForm(FlaskForm):
    # A refused key comes back in the field (only ever to the admin who just typed it, never cached),
    # so fixing the address does not mean pasting the key again.
    api_key = PasswordField("API key", validators=[DataRequired(message="Paste the API key from Cliniko."), Length(max=200)],
                            widget=PasswordInput(hide_value=False),
                            description="In Cliniko: My Info > Manage API keys > Add an API key. It ends in your region, such as -au1.",
                            render_kw={"autocomplete": "off", "spellcheck": "false"})
    subdomain = StringField("Cliniko subdomain", validators=[Optional(), Length(max=100),
                                                            Regexp(r"^[a-z0-9][a-z0-9-]*$", message="Only the part before .cliniko.com, e.g. my-clinic.")],
                            description="Optional: read from Cliniko when the key's user may view settings. Used for links to patient records.")
    base_url = URLField("API address", validators=[Optional(), URL(require_tld=False), Length(max=255)],
                        description="Leave empty for Cliniko. Only for the local Cliniko sandbox (e.g. http://127.0.0.1:5055/v1).")


class AutoSyncForm(FlaskForm):
    enabled = BooleanField("Synchronise automatically")


class BookingForm(FlaskForm):
    booking_url = URLField("Online bookings URL", validators=[Optional(), URL(), Length(max=500)],
                           description="Cliniko: Settings > Online bookings. The Book Now button links here.")
    booking_embed_code = TextAreaField("Embed code", validators=[Optional(), Length(max=5000)],
                                       description="Cliniko's online-bookings embed code, for an EMBED element on a page.")
