import json

from oncord.models import Contact


def test_connect_sync_and_status_from_the_command_line(app, db, sandbox):
    sandbox.reset(patients=12, appointments=30, seed=4)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["cliniko", "connect", "--api-key", sandbox.api_key, "--base-url", sandbox.base_url])
    assert result.exit_code == 0, result.output
    assert "key ••••" + sandbox.api_key[-8:-4] + "-au1" in result.output and sandbox.api_key not in result.output
    result = runner.invoke(args=["cliniko", "sync", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["status"] == "succeeded" and summary["requests"] > 0
    assert summary["counts"]["patients"]["created"] == db.session.query(Contact).count() > 0
    text = runner.invoke(args=["cliniko", "sync"]).output
    assert "Sync succeeded" in text and "unchanged" in text
    status = json.loads(runner.invoke(args=["cliniko", "status", "--json"]).output)
    assert status["connected"] and status["last_success_at"]


def test_a_bad_key_is_refused_with_a_message(app, db, sandbox):
    result = app.test_cli_runner().invoke(args=["cliniko", "connect", "--api-key", "nope-au1", "--base-url", sandbox.base_url])
    assert result.exit_code != 0
    assert "Cliniko did not accept this API key" in result.output


def test_sync_without_a_connection_explains(app, db):
    result = app.test_cli_runner().invoke(args=["cliniko", "sync"])
    assert result.exit_code != 0 and "not connected" in result.output
