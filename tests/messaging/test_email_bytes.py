"""`build_email` writes the same bytes as the `email` package would, only faster."""
from __future__ import annotations

import re

import pytest

from oncord.messaging.drafts import EmailDraft
from oncord.messaging.email_message import SMTP_POLICY, build_email, build_email_message, headers_of
from oncord.messaging.settings import EffectiveSettings

SETTINGS = EffectiveSettings(from_name="Harbour Physio", from_address="hello@harbour.example",
                             clinic_name="Harbour Physio")
UNSUBSCRIBE = {"List-Unsubscribe": "<https://harbour.example/u/1>",
               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
LONG_LINE = "It has been six months since your last visit to Harbour Physio. Regular check-ups keep you well."
DRAFTS = {
    "short ascii, html": EmailDraft(to="pat@mail.example", subject="Time for your check-up", text="Hi Pat\n",
                                    html="<p>Hi Pat</p>", headers=UNSUBSCRIBE),
    "long lines (quoted-printable)": EmailDraft(to="pat@mail.example", subject="Check-up",
                                                text=f"Hi Pat,\n\n{LONG_LINE}\n" * 12,
                                                html=f"<p>{LONG_LINE}</p>\n" * 12, headers=UNSUBSCRIBE),
    "non-ASCII body (8bit)": EmailDraft(to="pat@mail.example", subject="Hello", text="Kia ora Māui 👋\n",
                                        html="<p>Kia ora Māui 👋</p>"),
    "non-ASCII long body": EmailDraft(to="pat@mail.example", subject="Hello", text=("Ōtautahi clinic news " * 10 + "\n") * 3,
                                      html="<p>" + "ü" * 200 + "</p>"),
    "text only": EmailDraft(to="pat@mail.example", subject="Reminder", text="See you tomorrow at 9"),
    "leading dots and CR": EmailDraft(to="pat@mail.example", subject="Dots", text=".\n..hidden\r\nwindows\rmac",
                                      html=".<b>x</b>\n"),
    "non-ASCII subject": EmailDraft(to="pat@mail.example", subject="Rappel: rendez-vous à 9h", text="x"),
    "long List-Unsubscribe": EmailDraft(to="pat@mail.example", subject="News", text="x", html="<p>x</p>",
                                        headers={"List-Unsubscribe": "<https://harbour.example/unsubscribe/"
                                                 + "a" * 140 + ">", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}),
    "long subject": EmailDraft(to="pat@mail.example", subject="A very long subject line " * 5, text="x"),
    "display-name recipient": EmailDraft(to="Pat Lee <pat@mail.example>", subject="Hi", text="x"),
    "own Message-ID": EmailDraft(to="pat@mail.example", subject="Hi", text="x",
                                 headers={"Message-ID": "<fixed.1@harbour.example>"}),
    "odd spacing": EmailDraft(to="pat@mail.example", subject=" two  spaces ", text="x"),
}
SETTING_VARIANTS = {
    "plain": SETTINGS,
    "reply-to": EffectiveSettings(from_name="Harbour Physio", from_address="hello@harbour.example",
                                  reply_to="desk@harbour.example"),
    "punctuated name": EffectiveSettings(from_name="Dr. O'Brien, Physio", from_address="hello@harbour.example"),
    "no name, no address": EffectiveSettings(),
}


def _same_ids(data: bytes, headers: dict) -> tuple[bytes, dict]:
    """Date, Message-ID and the boundary are made fresh each time: compare everything else."""
    boundary = re.search(rb'boundary="([^"]+)"', data)
    if boundary:
        data = data.replace(boundary.group(1), b"BOUNDARY")
    data = re.sub(rb"(?m)^Date: .*\r\n", b"Date: D\r\n", data)
    data = re.sub(rb"(?m)^Message-ID: .*\r\n", b"Message-ID: M\r\n", data)
    fixed = {k: ("D" if k == "Date" else "M" if k == "Message-ID" else
                 v.replace(boundary.group(1).decode(), "BOUNDARY") if boundary else v) for k, v in headers.items()}
    return data, fixed


@pytest.mark.parametrize("settings_name", SETTING_VARIANTS)
@pytest.mark.parametrize("draft_name", DRAFTS)
def test_the_fast_bytes_are_the_email_packages_bytes(app, draft_name, settings_name):
    draft, settings = DRAFTS[draft_name], SETTING_VARIANTS[settings_name]
    with app.app_context():
        built = build_email(draft, settings)
        message = build_email_message(draft, settings)
        expected = message.as_bytes(policy=SMTP_POLICY)
    assert _same_ids(built.data, built.headers) == _same_ids(expected, headers_of(message))
    assert re.search(rb"(?m)^Message-ID: (.*)\r\n", built.data).group(1).decode() == built.message_id
    assert built.sender == (settings.from_address or "oncord@localhost")


def test_the_usual_marketing_email_takes_the_fast_way(app, monkeypatch):
    """The common case must not fall back to the slow path (else the speed is gone unnoticed)."""
    from oncord.messaging import email_message

    def refuse(*args):
        raise AssertionError("took the slow path")

    monkeypatch.setattr(email_message, "_build_slowly", refuse)
    with app.app_context():
        built = build_email(DRAFTS["long lines (quoted-printable)"], SETTINGS)
    assert b"Content-Type: multipart/alternative;\r\n boundary=" in built.data


@pytest.mark.parametrize("build", ["fast", "email package"])
def test_a_long_list_unsubscribe_url_goes_on_one_line_as_it_is(app, build):
    """Mail providers read the URL from the raw header (RFC 8058): no folding, no encoded words."""
    url = "<https://harbour.example/unsubscribe/" + "t0k3n." * 30 + ">"
    draft = EmailDraft(to="pat@mail.example", subject="News", text="x", html="<p>x</p>",
                       headers={"List-Unsubscribe": url, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    with app.app_context():
        data = (build_email(draft, SETTINGS).data if build == "fast"
                else build_email_message(draft, SETTINGS).as_bytes(policy=SMTP_POLICY))
    assert f"\r\nList-Unsubscribe: {url}\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n".encode() in data
