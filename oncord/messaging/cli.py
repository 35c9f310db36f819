"""`flask messaging test-email|test-sms`: check a deployment's email and SMS from the shell."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from oncord.messaging import test_sends

messaging_cli = AppGroup("messaging", help="Email and SMS sending.")


@messaging_cli.command("test-email")
@click.option("--to", "to", required=True, help="The address to send the test email to.")
def test_email(to: str) -> None:
    """Send a test email and print the mail server's answer."""
    _report(lambda: test_sends.send_test_email(to), f"Test email to {to}")


@messaging_cli.command("test-sms")
@click.option("--to", "to", required=True, help="The mobile number, in international format (+61412345678).")
def test_sms(to: str) -> None:
    """Send a test SMS and print the provider's answer."""
    _report(lambda: test_sends.send_test_sms(to), f"Test SMS to {to}")


def _report(send, what: str) -> None:
    """One line either way; a failure exits non-zero without a traceback."""
    try:
        result = send()
    except test_sends.TestSendFailed as exc:
        raise click.ClickException(f"{what} was not sent: {exc}") from None
    if result.outbox:
        click.echo(f"{what}: outbox mode. {result.answer}")
    else:
        click.echo(f"{what} sent. The provider answered: {result.answer}")
