"""`flask cliniko connect|sync|status`: the settings page's actions from a terminal."""
from __future__ import annotations

import json
import time

import click
from flask.cli import AppGroup

from oncord.extensions import db
from oncord.models import SyncTrigger
from oncord.sync import connection as connections
from oncord.sync import pull, schedule
from oncord.sync.lock import SyncAlreadyRunning
from oncord.sync.status import sync_state

cliniko_cli = AppGroup("cliniko", help="Connect and synchronise Cliniko.")


@cliniko_cli.command("connect")
@click.option("--api-key", prompt=True, hide_input=True, help="The Cliniko API key (prompted for when not given).")
@click.option("--base-url", default=None, help="API address; only for the local Cliniko sandbox.")
@click.option("--subdomain", default=None, help="The clinic's Cliniko subdomain, for patient links.")
def connect(api_key: str, base_url: str | None, subdomain: str | None) -> None:
    """Check the key against Cliniko and save it, as the settings form does."""
    try:
        connection = connections.connect(api_key, base_url=base_url, subdomain=subdomain)
    except connections.ConnectionFailed as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    schedule.ensure_scheduled()
    click.echo(f"Connected to {connection.account_name or 'Cliniko'} (key {connection.key_display}).")


@cliniko_cli.command("sync")
@click.option("--full", is_flag=True, help="Pull everything, not only what changed.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def sync(full: bool, as_json: bool) -> None:
    """Run a sync in the foreground and print its summary."""
    try:
        connection = connections.require_connection()
        started = time.monotonic()
        run = pull.run(connection.id, SyncTrigger.COMMAND_LINE, full=full,
                       on_progress=None if as_json else _print_progress)
    except (connections.NotConnected, SyncAlreadyRunning) as exc:
        raise click.ClickException(str(exc)) from exc
    summary = sync_state(connection).as_dict()["latest_run"] | {"wall_seconds": round(time.monotonic() - started, 3)}
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"\nSync {run.status} in {summary['wall_seconds']:.1f} s with {run.requests} requests.")
    for name, counts in run.counts.items():
        click.echo(f"  {name:18} " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for problem in run.problems[:20]:
        click.echo(f"  ! {problem}")


@cliniko_cli.command("status")
@click.option("--json", "as_json", is_flag=True)
def status(as_json: bool) -> None:
    """Connection, last and next sync."""
    state = sync_state(connections.get_connection()).as_dict()
    if as_json:
        click.echo(json.dumps(state, indent=2))
        return
    if not state["connected"]:
        click.echo("Cliniko is not connected.")
        return
    run = state["latest_run"]
    click.echo(f"Connected; automatic sync {'on' if state['auto_sync'] else 'off'}.")
    click.echo(f"Last successful sync: {state['last_success_at'] or 'never'}")
    click.echo(f"Next automatic sync:  {state['next_run_at'] or '-'}")
    if run:
        click.echo(f"Latest run: {run['status']} ({run['trigger']}), {run['requests']} requests")
    if state["last_error"]:
        click.echo(f"Last error: {state['last_error']}")
    if state["background_warning"]:
        click.echo(f"Warning: {state['background_warning']}")


def _print_progress(phase: str | None, done: int, total: int | None) -> None:
    click.echo(f"\r{phase or '':18} {done}/{total if total is not None else '?'}   ", nl=False)
