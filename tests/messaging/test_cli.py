"""`flask messaging test-email|test-sms`: the provider's answer, or one sentence and a non-zero exit."""
from __future__ import annotations

from sqlalchemy import select

from oncord.models import Message
from tests.fixtures.smtp import free_port


def run(app, *args):
    return app.test_cli_runner().invoke(args=["messaging", *args])


def test_test_email_prints_the_servers_answer(app, db, smtp_server, monkeypatch):
    server = smtp_server("starttls", users={"clinic": "s3cret-Pw"})
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://clinic:s3cret-Pw@127.0.0.1:{server.port}?security=starttls")
    monkeypatch.setitem(app.config, "SMTP_CA_FILE", server.ca_file)
    result = run(app, "test-email", "--to", "admin@clinic.example")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Test email to admin@clinic.example sent. The provider answered: 250 2.0.0 Ok: queued as Q1"
    [got] = server.received
    assert got.rcpt_tos == ["admin@clinic.example"] and got.message["Subject"] == "Test email from oncord"
    message = db.session.scalars(select(Message)).one()
    assert (message.kind, message.source, message.status, message.via) == ("test", "test", "sent", "smtp")


def test_test_email_to_a_refused_connection_is_one_sentence(app, db, monkeypatch):
    port = free_port()  # nothing listens there
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://clinic:s3cret-Pw@127.0.0.1:{port}?security=none")
    result = run(app, "test-email", "--to", "admin@clinic.example")
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: Test email to admin@clinic.example was not sent: The mail server at "
                                     f"127.0.0.1:{port} refused the connection; check the host and port.")
    assert "Traceback" not in result.output and "s3cret-Pw" not in result.output
    assert db.session.scalars(select(Message)).all() == []  # nothing was handed over, nothing recorded


def test_test_email_with_a_wrong_password(app, db, smtp_server, monkeypatch):
    server = smtp_server("starttls", users={"clinic": "s3cret-Pw"})
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://clinic:wr0ng-Pw@127.0.0.1:{server.port}?security=starttls")
    monkeypatch.setitem(app.config, "SMTP_CA_FILE", server.ca_file)
    result = run(app, "test-email", "--to", "admin@clinic.example")
    assert result.exit_code == 1
    assert "was not sent: The mail server refused the username or password: 535" in result.output
    assert "wr0ng-Pw" not in result.output and server.received == []


def test_test_sms_in_outbox_mode_records_it(app, db):
    result = run(app, "test-sms", "--to", "+61 412 345 678")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Test SMS to +61 412 345 678: outbox mode. Recorded in the outbox")
    message = db.session.scalars(select(Message)).one()
    assert (message.channel, message.address, message.status) == ("sms", "+61412345678", "sent")


def test_test_sms_to_a_bad_number(app, db):
    result = run(app, "test-sms", "--to", "0412")
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: Test SMS to 0412 was not sent: Enter the mobile number in international "
                                     "format, e.g. +61412345678.")


def test_a_temporary_refusal_fails_the_test_and_it_is_never_retried(app, db, smtp_server, monkeypatch):
    server = smtp_server("none")
    server.handler.refuse["admin@clinic.example"] = "452 4.2.2 Mailbox full"
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{server.port}?security=none")
    result = run(app, "test-email", "--to", "admin@clinic.example")
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: Test email to admin@clinic.example was not sent: "
                                     "The mail server could not take it now: 452 4.2.2 Mailbox full")
    message = db.session.scalars(select(Message)).one()
    assert message.status == "failed"  # not "queued": recovery would send a test later
