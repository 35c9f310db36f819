"""The unsubscribe confirm page's form: one button, and the CSRF token that proves a person pressed it."""
from flask_wtf import FlaskForm


class ConfirmUnsubscribeForm(FlaskForm):
    """No fields: the signed token in the address says who and which channel."""
