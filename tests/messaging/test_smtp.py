"""SmtpChannel against a real aiosmtpd server on loopback: TLS, login, refusals, dropped connections."""
from __future__ import annotations

import pytest

from oncord.messaging.channels import PermanentFailure, TemporaryFailure, channel_for
from oncord.messaging.channels.smtp import PerhapsSent, SmtpChannel
from oncord.messaging.deliver import deliver
from oncord.messaging.drafts import EmailDraft
from oncord.models import ConsentStatus
from tests.factories import ContactFactory


def draft(to="pat@mail.example", **extra):
    return EmailDraft(to=to, subject="Time for your check-up", text="Hello Pat,\n.\nSee you soon.",
                      html="<p>Hello Pat</p>", **extra)


def channel(server, **overrides):
    return SmtpChannel(server.settings(**overrides), ca_file=server.ca_file, timeout=10)


def test_starttls_login_and_a_multipart_alternative_message(smtp_server):
    server = smtp_server("starttls", users={"clinic": "s3cret"})
    headers = {"List-Unsubscribe": "<https://oncord.example/u/abc>",
               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    with channel(server) as smtp:
        receipt = smtp.send(draft(headers=headers))
    [got] = server.received
    message = got.message
    assert got.mail_from == "hello@harbour.example" and got.rcpt_tos == ["pat@mail.example"]
    assert message["From"] == "Harbour Physio <hello@harbour.example>"
    assert message["To"] == "pat@mail.example" and message["Subject"] == "Time for your check-up"
    assert message["Date"] and message["Message-ID"] == receipt.provider_id
    assert message["List-Unsubscribe"] == headers["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.get_payload()
    assert text.get_content_type() == "text/plain" and text.get_content().replace("\r\n", "\n") == "Hello Pat,\n.\nSee you soon.\n"
    assert html.get_content_type() == "text/html" and "<p>Hello Pat</p>" in html.get_content()
    assert receipt.answer == "250 2.0.0 Ok: queued as Q1"
    assert receipt.headers["Message-ID"] == receipt.provider_id


def test_ssl_tls_from_the_first_byte(smtp_server):
    server = smtp_server("ssl", users={"clinic": "s3cret"})
    with channel(server) as smtp:
        smtp.send(draft())
    assert len(server.received) == 1


def test_the_certificate_is_checked(smtp_server):
    """Without the test CA the self-signed chain is refused: verification is never off."""
    server = smtp_server("starttls")
    with pytest.raises(TemporaryFailure) as caught:
        SmtpChannel(server.settings(), ca_file=None, timeout=10).connect()
    assert caught.value.code == "tls" and "certificate could not be trusted" in caught.value.reason
    assert server.received == []


def test_a_refused_login_is_one_sentence_without_the_password(smtp_server):
    server = smtp_server("starttls", users={"clinic": "s3cret"})
    with pytest.raises(TemporaryFailure) as caught:
        channel(server, smtp_password="wrong-pa55word").connect()
    assert caught.value.code == "auth"
    assert caught.value.reason.startswith("The mail server refused the username or password: 535")
    assert "wrong-pa55word" not in caught.value.reason


def test_no_encryption_is_refused_for_a_remote_host():
    from oncord.messaging.settings import EffectiveSettings

    settings = EffectiveSettings(smtp_host="smtp.mail.example", smtp_port=25, smtp_security="none")
    with pytest.raises(TemporaryFailure) as caught:
        SmtpChannel(settings).connect()
    assert caught.value.code == "insecure"


def test_a_refused_recipient_fails_alone_and_the_batch_goes_on(app, db, smtp_server, sender_identity):
    server = smtp_server("starttls", users={"clinic": "s3cret"})
    server.handler.refuse["nobody@mail.example"] = "550 5.1.1 <nobody@mail.example>: Recipient address rejected"
    server.handler.refuse["full@mail.example"] = "452 4.2.2 Mailbox full"
    contacts = [ContactFactory(email=address, email_status=ConsentStatus.SUBSCRIBED.value) for address in
                ("ann@mail.example", "nobody@mail.example", "full@mail.example", "bob@mail.example")]
    db.session.commit()
    with channel(server) as smtp:
        messages = [deliver(f"c:{c.id}", c, draft(to=c.email), kind="marketing", source="campaign", channel=smtp)
                    for c in contacts]
    assert [m.status for m in messages] == ["sent", "failed", "queued", "sent"]
    assert messages[1].reason == ("The mail server refused it: "
                                  "550 5.1.1 <nobody@mail.example>: Recipient address rejected")
    assert messages[1].provider_error_code == "550"
    assert "452 4.2.2 Mailbox full" in messages[2].reason
    assert messages[0].provider_answer == "250 2.0.0 Ok: queued as Q1" and messages[0].via == "smtp"
    assert messages[0].provider_id == messages[0].headers["Message-ID"]
    assert [r.rcpt_tos for r in server.received] == [["ann@mail.example"], ["bob@mail.example"]]


def test_one_connection_serves_the_batch_and_a_drop_between_messages_reconnects(smtp_server):
    server = smtp_server("starttls", users={"clinic": "s3cret"})
    server.handler.drop_after_reply.add(2)  # like an idle timeout after the second message
    with channel(server) as smtp:
        receipts = [smtp.send(draft(to=f"p{n}@mail.example")) for n in range(5)]
    assert [r.rcpt_tos[0] for r in server.received] == [f"p{n}@mail.example" for n in range(5)]
    assert len(receipts) == 5 and len(server.received) == 5  # each handed over exactly once
    peers = [r.peer for r in server.received]
    assert peers[0] == peers[1] and peers[2] == peers[3] == peers[4] and peers[1] != peers[2]


def test_a_drop_after_the_message_was_handed_over_is_uncertain_never_resent(app, db, smtp_server, sender_identity):
    server = smtp_server("starttls", users={"clinic": "s3cret"})
    server.handler.drop_before_reply.add(1)
    contact = ContactFactory(email="pat@mail.example", email_status=ConsentStatus.SUBSCRIBED.value)
    db.session.commit()
    with channel(server) as smtp:
        with pytest.raises(PerhapsSent):
            smtp.send(draft())
    with channel(server) as smtp:
        message = deliver("k1", contact, draft(), kind="marketing", source="campaign", channel=smtp)
        again = deliver("k1", contact, draft(), kind="marketing", source="campaign", channel=smtp)
    assert len(server.received) == 2  # the first direct send and k1: each handed over once
    assert message.status == "sent" and again is None


def test_deliver_marks_a_drop_after_data_uncertain(app, db, smtp_server, sender_identity):
    server = smtp_server("starttls", users={"clinic": "s3cret"})
    server.handler.drop_before_reply.add(1)
    contact = ContactFactory(email="pat@mail.example", email_status=ConsentStatus.SUBSCRIBED.value)
    db.session.commit()
    with channel(server) as smtp:
        message = deliver("k1", contact, draft(), kind="marketing", source="campaign", channel=smtp)
    assert message.status == "uncertain" and len(server.received) == 1


def test_channel_for_email_is_smtp_once_a_host_is_set(app, db, smtp_server, monkeypatch):
    server = smtp_server("none")
    monkeypatch.setitem(app.config, "SMTP_CA_FILE", server.ca_file)
    chosen = channel_for("email", server.settings())
    assert isinstance(chosen, SmtpChannel) and chosen.ca_file == server.ca_file
    with chosen as smtp:
        smtp.send(draft())
    assert len(server.received) == 1


def test_each_message_is_marked_sending_before_the_server_has_its_text(app, db, smtp_server, sender_identity):
    """The mark is committed while the server reads MAIL FROM (overlapping that round trip), never
    after the text: when the text of message n arrives, n is "sending" and n-1 already "sent"."""
    from sqlalchemy import select

    from oncord.messaging.deliver import deliver_batch
    from oncord.models import Message

    server = smtp_server("none")
    contacts = [ContactFactory(email=f"p{n}@mail.example", email_status=ConsentStatus.SUBSCRIBED.value)
                for n in range(4)]
    db.session.commit()
    engine, seen = db.engine, []

    def statuses_as_text_arrives(recipients):
        with engine.connect() as connection:
            seen.append((recipients[0], dict(connection.execute(select(Message.address, Message.status)).all())))

    server.handler.on_data = statuses_as_text_arrives
    with channel(server) as smtp:
        outcomes = deliver_batch([(f"c:{c.id}", c, draft(to=c.email)) for c in contacts], kind="marketing",
                                 source="campaign", channel=smtp)
    assert [o.status for o in outcomes] == ["sent"] * 4
    for number, (recipient, statuses) in enumerate(seen):
        assert recipient == f"p{number}@mail.example"
        assert statuses[recipient] == "sending"
        assert [statuses[f"p{n}@mail.example"] for n in range(number)] == ["sent"] * number
        assert [statuses[f"p{n}@mail.example"] for n in range(number + 1, 4)] == ["queued"] * (3 - number)


def test_a_message_the_ledger_holds_back_at_mail_from_is_not_sent_and_the_connection_goes_on(smtp_server):
    server = smtp_server("none")
    with channel(server) as smtp:
        assert smtp.send(draft(to="held@mail.example"), before_handover=lambda: False) is None

        def dying():
            raise RuntimeError("the database went away")

        with pytest.raises(RuntimeError):
            smtp.send(draft(to="broken@mail.example"), before_handover=dying)
        receipt = smtp.send(draft(to="next@mail.example"), before_handover=lambda: True)
    assert receipt is not None and receipt.answer.startswith("250")
    assert [r.rcpt_tos for r in server.received] == [["next@mail.example"]]
    peers = {r.peer for r in server.received}
    assert len(peers) == 1


def test_a_message_another_worker_holds_is_left_alone_whatever_the_server_says_to_mail_from(smtp_server):
    """A refusal of MAIL FROM is not this worker's to record when the ledger says another worker has
    the message: it would mark that worker's row failed."""
    from oncord.messaging.channels import PermanentFailure

    server = smtp_server("none")
    server.handler.refuse_mail_from = "550 5.7.1 Sender rejected"
    with channel(server) as smtp:
        assert smtp.send(draft(to="held@mail.example"), before_handover=lambda: False) is None
        with pytest.raises(PermanentFailure, match="550"):
            smtp.send(draft(to="ours@mail.example"), before_handover=lambda: True)
        server.handler.refuse_mail_from = None
        assert smtp.send(draft(to="next@mail.example"), before_handover=lambda: True).answer.startswith("250")
    assert [r.rcpt_tos for r in server.received] == [["next@mail.example"]]


def test_the_next_message_built_ahead_is_used_only_for_that_very_message(smtp_server):
    server = smtp_server("none")
    first, second, other = (draft(to=f"{name}@mail.example", headers={"X-Which": name})
                            for name in ("first", "second", "other"))
    with channel(server) as smtp:
        smtp.send(first, before_handover=lambda: True, next_draft=second)  # second built during first's text
        smtp.send(other, before_handover=lambda: True, next_draft=None)  # not the one built ahead
        smtp.send(second, before_handover=lambda: True)  # built afresh, not from a stale guess
    assert [(r.rcpt_tos[0], r.message["X-Which"]) for r in server.received] == [
        ("first@mail.example", "first"), ("other@mail.example", "other"), ("second@mail.example", "second")]
