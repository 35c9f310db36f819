"""Email over SMTP: one connection per batch, TLS verified, never a resend that could duplicate.

The SMTP transaction is driven step by step (MAIL, RCPT, DATA) rather than through
`smtplib.sendmail`, so the channel knows whether the server could have the message:
a connection that drops before the message text was sent is reopened and the message
tried again (the server certainly did not take it); a drop after that raises
`PerhapsSent`, which the ledger records as uncertain and never resends.
"""
from __future__ import annotations

import logging
import re
import smtplib
import socket
import ssl
from collections.abc import Callable

from oncord.messaging.channels import PermanentFailure, TemporaryFailure
from oncord.messaging.drafts import Draft, EmailDraft, Receipt
from oncord.messaging.email_message import FALLBACK_FROM, SIMPLE_ADDRESS, build_email
from oncord.messaging.settings import DEFAULT_PORTS, EffectiveSettings, insecure_smtp_reason

CRLF = b"\r\n"
log = logging.getLogger(__name__)


class PerhapsSent(Exception):
    """The connection broke after the message text was handed over: the server may have taken it."""


class _Dropped(Exception):
    """The connection broke before the message text was sent: nothing was handed over."""


class SmtpChannel:
    name = "smtp"

    def __init__(self, settings: EffectiveSettings, *, ca_file: str | None = None, timeout: float = 30.0):
        if not settings.smtp_host:
            raise ValueError("SmtpChannel needs an SMTP host")
        self.settings = settings
        self.host = settings.smtp_host
        self.security = settings.smtp_security or "starttls"
        self.port = settings.smtp_port or DEFAULT_PORTS[self.security]
        self.ca_file = ca_file
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None
        self._next: tuple | None = None  # (draft, (BuiltEmail, payload)) built ahead during a batch
        self.last_answer: str | None = None  # the greeting/EHLO answer, for a test send's report

    # -- connection ------------------------------------------------------------------------------

    def __enter__(self) -> "SmtpChannel":
        self.connect()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def connect(self) -> None:
        """Open, secure and log in; every failure is a `TemporaryFailure` with one clear sentence."""
        if reason := insecure_smtp_reason(self.host, self.security):
            raise TemporaryFailure(reason, code="insecure")
        where = f"{self.host}:{self.port}"
        try:
            if self.security == "ssl":
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._tls_context())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            try:
                smtp.ehlo()
                if self.security == "starttls":
                    if not smtp.has_extn("starttls"):
                        raise TemporaryFailure(f"The mail server at {where} does not offer STARTTLS; choose SSL/TLS "
                                               "or check the port.", code="tls")
                    smtp.starttls(context=self._tls_context())
                    smtp.ehlo()
                if self.settings.smtp_username:
                    smtp.login(self.settings.smtp_username, self.settings.smtp_password or "")
            except BaseException:
                _close_quietly(smtp)
                raise
        except TemporaryFailure:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise TemporaryFailure(f"The mail server refused the username or password: {_answer(exc.smtp_code, exc.smtp_error)}",
                                   code="auth") from None
        except smtplib.SMTPNotSupportedError:
            raise TemporaryFailure(f"The mail server at {where} does not accept a login on this connection; "
                                   "check the security setting (most servers need STARTTLS or SSL/TLS first).",
                                   code="auth") from None
        except ssl.SSLCertVerificationError as exc:
            raise TemporaryFailure(f"The mail server's certificate could not be trusted ({exc.verify_message}); "
                                   "the secure connection was refused.", code="tls") from None
        except ssl.SSLError as exc:
            raise TemporaryFailure(f"A secure (TLS) connection to {where} failed ({exc.reason or exc}); "
                                   "check the security setting and the port.", code="tls") from None
        except socket.gaierror:
            raise TemporaryFailure(f"The mail server {self.host} could not be found; check the host name.",
                                   code="host") from None
        except (TimeoutError, socket.timeout):
            raise TemporaryFailure(f"The mail server at {where} did not answer within {self.timeout:g} seconds.",
                                   code="timeout") from None
        except ConnectionRefusedError:
            raise TemporaryFailure(f"The mail server at {where} refused the connection; check the host and port.",
                                   code="refused") from None
        except smtplib.SMTPServerDisconnected as exc:
            if isinstance(exc.__context__, TimeoutError):  # smtplib wraps a read timeout
                raise TemporaryFailure(f"The mail server at {where} did not answer within {self.timeout:g} seconds.",
                                       code="timeout") from None
            raise TemporaryFailure(f"The mail server at {where} closed the connection while it was being set up; "
                                   "check the security setting and the port.", code="dropped") from None
        except smtplib.SMTPResponseException as exc:
            raise TemporaryFailure(f"The mail server at {where} answered: {_answer(exc.smtp_code, exc.smtp_error)}",
                                   code=str(exc.smtp_code)) from None
        except OSError as exc:
            raise TemporaryFailure(f"Could not connect to the mail server at {where} ({exc.strerror or exc}).",
                                   code="network") from None
        self._smtp = smtp

    def close(self) -> None:
        if self._smtp is not None:
            smtp, self._smtp = self._smtp, None
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                _close_quietly(smtp)

    def _tls_context(self) -> ssl.SSLContext:
        """Certificates and host names are always checked; `ca_file` adds a private CA."""
        return ssl.create_default_context(cafile=self.ca_file)

    # -- sending ---------------------------------------------------------------------------------

    # Between writing a command and reading its answer the channel has nothing to do, and a mail
    # server takes about as long to answer as the channel takes to send. A batch uses that time:
    # `before_handover` (the ledger's "sending" commit, which must be durable before the server can
    # have the text, that is before DATA, not before MAIL FROM) runs once MAIL FROM is written; the
    # next message's bytes are built once this one's text is written. Both on this thread: a helper
    # thread did them before, and its Python work held the interpreter's lock when the server's
    # answers came (the batch went from 0.66 to 0.74 of a bare smtplib loop without it).
    overlaps_handover = True

    def send(self, draft: Draft, before_handover: Callable[[], bool] | None = None,
             next_draft: Draft | None = None) -> Receipt | None:
        """Send one email; `before_handover()` (when given) is called once, after MAIL FROM is written and
        before DATA: False means "do not send" (the transaction is reset, None returned).

        `next_draft`: the batch's next email, built while the server reads this one's text.
        """
        if not isinstance(draft, EmailDraft):
            raise PermanentFailure("The SMTP channel only sends email.")
        sender = self.settings.from_address or FALLBACK_FROM
        international = not (draft.to.isascii() and sender.isascii())
        options = ["SMTPUTF8", "BODY=8BITMIME"] if international else []
        ahead, self._next = self._next, None
        built = ahead[1] if ahead is not None and ahead[0] is draft else self._build(draft)
        decided: dict = {}  # "go_ahead": the answer of `before_handover`, asked once whatever the attempts

        def go_ahead() -> bool:
            if before_handover is not None and "go_ahead" not in decided:
                decided["go_ahead"] = before_handover()
            return decided.get("go_ahead", True)

        for attempt in (1, 2):
            if self._smtp is None:
                self.connect()  # TemporaryFailure when it cannot: nothing was handed over
            if options and not self._smtp.has_extn("smtputf8"):
                raise PermanentFailure("The mail server cannot take an address with non-English characters "
                                       "(it does not offer SMTPUTF8).", code="smtputf8")
            try:
                answer = self._transaction(sender, draft.to, options, built[1], go_ahead, next_draft)
            except _Dropped:
                self._smtp = None
                if attempt == 2:
                    raise TemporaryFailure(f"The connection to the mail server at {self.host} dropped twice "
                                           "before the message was sent.", code="dropped") from None
                continue  # the server never had the message text: reconnect and try once more
            if answer is None:
                return None
            return Receipt(provider_id=built[0].message_id, answer=answer, headers=built[0].headers)
        raise AssertionError("unreachable")

    def _transaction(self, sender: str, recipient: str, options: list[str], payload: bytes,
                     go_ahead: Callable[[], bool], next_draft: Draft | None) -> str | None:
        """MAIL, RCPT, DATA for one message; the server's final answer, e.g. "250 2.0.0 Ok: queued",
        or None when `go_ahead` said not to send."""
        smtp = self._smtp
        try:
            if options:
                smtp.command_encoding = "utf-8"
            smtp.putcmd("mail", f"FROM:{self._quoted(sender)}{''.join(' ' + o for o in options)}")
            try:
                allowed = go_ahead()  # while the server reads MAIL FROM
            except BaseException:
                self._abandon(unread=1)
                raise
            code, reply = smtp.getreply()
            if not allowed:  # another worker has this message: whatever the server said, leave it
                self._abandon()
                return None
            if code == 250:
                smtp.putcmd("rcpt", f"TO:{self._quoted(recipient)}")
                code, reply = smtp.getreply()
                code = 250 if code == 251 else code
            if code != 250:
                self._fail(code, reply)
            smtp.putcmd("data")
            code, reply = smtp.getreply()
            if code != 354:
                self._fail(code, reply)
        except (smtplib.SMTPServerDisconnected, OSError):
            _close_quietly(smtp)
            raise _Dropped() from None
        finally:
            smtp.command_encoding = "ascii"
        try:
            smtp.send(payload)
            if isinstance(next_draft, EmailDraft):  # while the server reads this one's text
                self._build_ahead(next_draft)
            code, reply = smtp.getreply()
        except (smtplib.SMTPServerDisconnected, OSError):
            _close_quietly(smtp)
            self._smtp = None
            raise PerhapsSent(f"The connection to the mail server at {self.host} broke after the message was "
                              "handed over, so it may or may not have been sent.") from None
        if code != 250:
            self._fail(code, reply)  # the server answered no: certainly not taken
        return _answer(code, reply)

    def _build_ahead(self, draft: EmailDraft) -> None:
        """Build the next message now; one that cannot be built is built (and fails) in its own send."""
        try:
            self._next = (draft, self._build(draft))
        except Exception:
            self._next = None

    def _build(self, draft: EmailDraft) -> tuple:
        sender = self.settings.from_address or FALLBACK_FROM
        built = build_email(draft, self.settings, utf8=not (draft.to.isascii() and sender.isascii()))
        return built, _payload(built.data)

    def _quoted(self, address: str) -> str:
        """`smtplib.quoteaddr` (which parses the address every time) for anything but a plain address."""
        return f"<{address}>" if SIMPLE_ADDRESS.match(address) else smtplib.quoteaddr(address)

    def _abandon(self, unread: int = 0) -> None:
        """Leave the transaction begun by MAIL FROM, so the next message starts clean (`unread`: answers
        the server has still to give, read first)."""
        try:
            for _ in range(unread):
                self._smtp.getreply()
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            _close_quietly(self._smtp)
            self._smtp = None

    def _fail(self, code: int, reply: bytes):
        """A refusal ends this message only: reset the transaction so the batch goes on."""
        answer = _answer(code, reply)
        if code == 421:  # the server is closing the connection
            _close_quietly(self._smtp)
            self._smtp = None
        else:
            try:
                self._smtp.rset()
            except (smtplib.SMTPException, OSError):
                _close_quietly(self._smtp)
                self._smtp = None
        if 500 <= code < 600:
            raise PermanentFailure(f"The mail server refused it: {answer}", code=str(code))
        raise TemporaryFailure(f"The mail server could not take it now: {answer}", code=str(code))


def _payload(data: bytes) -> bytes:
    """The DATA bytes: CRLF lines, leading dots doubled, ending in CRLF.CRLF."""
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(CRLF):
        data += CRLF
    return data + b"." + CRLF


def _answer(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {' '.join(text.split())}".strip()


def _close_quietly(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        try:
            smtp.close()
        except OSError:
            pass
