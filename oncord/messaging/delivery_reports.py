"""Twilio's status callbacks applied to the send ledger, one way only.

Callbacks may arrive out of order (a late "sent" after "delivered"): each status moves a
message forward from the statuses listed, never back, so delivered stays delivered.
"""
from __future__ import annotations

from sqlalchemy import select, update

from oncord.extensions import db
from oncord.models import Message, MessageStatus
from oncord.timestamps import utcnow

S = MessageStatus
# Twilio MessageStatus -> ours; statuses not listed (receiving, scheduled...) change nothing.
TWILIO_STATUSES = {
    "accepted": S.SENT, "queued": S.SENT, "sending": S.SENT, "sent": S.SENT,
    "delivered": S.DELIVERED, "read": S.DELIVERED,
    "undelivered": S.FAILED, "failed": S.FAILED, "canceled": S.FAILED,
}
# The statuses each one may replace: delivered and failed are final.
MOVES_FROM = {
    S.SENT: (S.SENDING, S.UNCERTAIN),
    S.DELIVERED: (S.SENDING, S.UNCERTAIN, S.SENT),
    S.FAILED: (S.SENDING, S.UNCERTAIN, S.SENT),
}
# Twilio's delivery error codes, in staff words.
DELIVERY_ERRORS = {
    "30001": "Twilio's queue was full, so the message was not sent.",
    "30002": "The clinic's Twilio account is suspended.",
    "30003": "The phone could not be reached (switched off or out of coverage).",
    "30004": "The phone company blocked the message (the number may block texts from the clinic).",
    "30005": "The number is unknown or no longer in use.",
    "30006": "The number is a landline or cannot receive SMS.",
    "30007": "The phone company filtered the message as spam.",
    "30008": "The phone company could not deliver it and gave no reason.",
    "30009": "Part of the message was missing when it reached the phone company.",
    "30010": "The message cost more than the maximum price set.",
    "30034": "The sender is not registered for texting US numbers (A2P 10DLC).",
    "21610": "The patient replied STOP to the clinic's number.",
}


def failure_reason(twilio_status: str, code: str | None) -> str:
    if code and code in DELIVERY_ERRORS:
        return DELIVERY_ERRORS[code]
    what = "could not be delivered" if twilio_status == "undelivered" else "failed"
    return f"The message {what} (Twilio error {code})." if code else f"The message {what}."


def apply_status(message_sid: str, twilio_status: str, error_code: str | None = None) -> Message | None:
    """Move the message Twilio sent as `message_sid` on; None when the SID is not ours. Commits."""
    message = db.session.scalar(select(Message).where(Message.provider_id == message_sid, Message.via == "twilio"))
    ours = TWILIO_STATUSES.get((twilio_status or "").lower())
    if message is None or ours is None:
        return message
    now = utcnow()
    values: dict = {"status": ours.value}
    if ours is S.SENT:
        values |= {"sent_at": message.sent_at or now}
    elif ours is S.DELIVERED:
        values |= {"delivered_at": now, "finished_at": now, "reason": None, "provider_error_code": None}
    else:
        values |= {"finished_at": now, "reason": failure_reason(twilio_status.lower(), error_code),
                   "provider_error_code": error_code or None}
    db.session.execute(update(Message).where(Message.id == message.id,
                                             Message.status.in_([s.value for s in MOVES_FROM[ours]]))
                       .values(**values).execution_options(synchronize_session=False))
    db.session.commit()
    db.session.refresh(message)
    return message
