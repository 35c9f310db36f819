"""SMS through Twilio's official SDK: one REST client per batch, errors sorted by whether Twilio took the message.

A 4xx with one of Twilio's "this recipient cannot get it" codes is permanent; 429 and 5xx
mean Twilio did not take it, so a retry is safe; so does a connection that was never made.
A timeout or drop after the request went out may have sent it: that is not caught here,
so the ledger marks the message uncertain and it is never sent twice.
"""
from __future__ import annotations

import logging

from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ConnectTimeout, ReadTimeout, SSLError
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

from oncord.messaging.channels import PermanentFailure, TemporaryFailure
from oncord.messaging.drafts import Draft, Receipt, SmsDraft
from oncord.messaging.settings import EffectiveSettings

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 30
OPTED_OUT = 21610  # the recipient replied STOP to this sender

# Twilio's error codes for a message it refuses outright, in staff words.
REFUSALS = {
    21211: "The phone number is not a valid mobile number.",
    21408: "Twilio is not allowed to send SMS to this country (check the Geo permissions in Twilio).",
    21610: "The patient replied STOP to the clinic's number, so Twilio will not send them SMS.",
    21612: "Twilio cannot send SMS from the clinic's number to this number.",
    21614: "The phone number is not a mobile number, so it cannot receive SMS.",
    21606: "The clinic's sender cannot send SMS (check the sender in Settings > Messaging).",
    21659: "The clinic's sender is not a Twilio number of this account.",
    21266: "The message would go from and to the same number.",
    21617: "The message is too long for SMS.",
    20003: "Twilio refused the Account SID or auth token (check Settings > Messaging).",
}


class TwilioChannel:
    name = "twilio"

    def __init__(self, settings: EffectiveSettings):
        self.settings = settings
        self.client: Client | None = None

    def __enter__(self) -> "TwilioChannel":
        http_client = TwilioHttpClient(timeout=TIMEOUT_SECONDS)
        self.client = Client(self.settings.twilio_account_sid, self.settings.twilio_auth_token, http_client=http_client)
        return self

    def __exit__(self, *exc) -> None:
        if self.client is not None and getattr(self.client.http_client, "session", None) is not None:
            self.client.http_client.session.close()
        self.client = None

    def send(self, draft: Draft) -> Receipt:
        if not isinstance(draft, SmsDraft):
            raise PermanentFailure("Twilio sends SMS only.")
        if self.client is None:
            self.__enter__()
        try:
            message = self.client.messages.create(to=draft.to, body=draft.body, status_callback=status_callback_url(),
                                                  **sender_arguments(self.settings.twilio_sender or ""))
        except (TwilioRestException, TwilioServiceException) as exc:
            raise refusal(exc, draft.to) from None
        except (ConnectTimeout, SSLError) as exc:
            raise TemporaryFailure(f"Could not reach Twilio ({type(exc).__name__}).") from None
        except ReadTimeout:
            raise  # the request went out: perhaps sent
        except RequestsConnectionError as exc:
            if never_connected(exc):
                raise TemporaryFailure("Could not reach Twilio (no connection).") from None
            raise
        return Receipt(provider_id=message.sid, answer=f"Twilio accepted it (status: {message.status}).")


def sender_arguments(sender: str) -> dict:
    """A Messaging Service SID (MG...) goes as MessagingServiceSid; a number or an alphanumeric ID as From."""
    sender = sender.strip()
    if sender.startswith("MG") and len(sender) == 34:
        return {"messaging_service_sid": sender}
    return {"from_": sender}


def status_callback_url() -> str:
    from oncord.urls import external_url

    return external_url("webhooks.twilio_status")


def never_connected(exc: RequestsConnectionError) -> bool:
    """No TCP connection was made (refused, no route, DNS): nothing can have been sent."""
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, (NewConnectionError, NameResolutionError))


def refusal(exc: TwilioRestException | TwilioServiceException, to: str) -> Exception:
    """What Twilio's error answer means for the ledger: 429/5xx retry later, 4xx never."""
    status, code = int(exc.status or 0), exc.code
    if status == 429 or status >= 500:
        return TemporaryFailure(f"Twilio is busy or unavailable (HTTP {status}).", str(code) if code else None)
    if code == OPTED_OUT:
        from oncord.messaging import sms_keywords

        try:
            sms_keywords.opted_out_at_twilio(to, evidence={"twilio_error": OPTED_OUT})
        except Exception:  # the refusal still stands; the next send to the number tries again
            log.exception("could not record Twilio's opt-out (21610) for a number")
    reason = REFUSALS.get(code) or f"Twilio refused the message: {getattr(exc, 'msg', None) or getattr(exc, 'title', '')}"
    return PermanentFailure(reason, str(code) if code else str(status))
