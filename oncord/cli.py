"""Command-line tools: `flask users create|list|set-password`, `flask messaging test-email|test-sms`."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from oncord import accounts
from oncord.extensions import db
from oncord.models import Role

users_cli = AppGroup("users", help="Manage staff accounts.")


@users_cli.command("create")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.STAFF.value, show_default=True)
@click.password_option("--password", help="Prompted for (twice) when not given.")
def create_user(email: str, name: str, role: str, password: str) -> None:
    """Create a staff or admin account."""
    try:
        user = accounts.create_user(email, name, password, role)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.role_label.lower()} {user.email}")


@users_cli.command("list")
def list_users() -> None:
    for user in accounts.list_users():
        state = "active" if user.active else "deactivated"
        click.echo(f"{user.email}\t{user.role}\t{state}")


@users_cli.command("set-password")
@click.argument("email")
@click.password_option("--password")
def set_password(email: str, password: str) -> None:
    """Reset someone's password (signs them out everywhere)."""
    user = accounts.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with email {email}")
    try:
        accounts.set_password(user, password)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Password changed for {user.email}")


def register(app: Flask) -> None:
    from oncord.messaging.cli import messaging_cli
    from oncord.sync.cli import cliniko_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(cliniko_cli)
    app.cli.add_command(messaging_cli)
