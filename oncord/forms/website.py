from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput


class NewPageForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(message="Give the page a title."), Length(max=200)])
    slug = StringField("Address", validators=[Optional(), Length(max=80)],
                       description="The part after your site's address, e.g. book-now. Leave empty to use the title.")


class PageForm(FlaskForm):
    """The editor's Save: page settings plus the block list as JSON."""
    title = StringField("Title", validators=[DataRequired(message="Give the page a title."), Length(max=200)])
    slug = StringField("Address", validators=[DataRequired(message="Give the page an address."), Length(max=80)])
    is_home = BooleanField("Home page", description="Shown at your site's root address to visitors.")
    blocks = HiddenField()
    version = IntegerField(widget=HiddenInput(), validators=[DataRequired()])
