"""The send ledger (`messages`): every state change commits at once, before the next step.

    queued ──start_sending──> sending ──mark_sent──> sent ──(webhook)──> delivered
      │  ^                      │  └──mark_failed──> failed
      │  └──requeue (TemporaryFailure: nothing was handed over)
      │                         └──recover_stuck──> uncertain (never resent)
      └──mark_skipped──> skipped

Transitions are conditional UPDATEs (`WHERE status IN ...`), so two workers holding the
same row cannot both send it. Note: each function commits the session it is given.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from collections.abc import Iterable

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from oncord.extensions import db
from oncord.messaging.drafts import Draft, EmailDraft, Receipt, SmsDraft
from oncord.models import ActivityEvent, Contact, EventKind, Message, MessageStatus
from oncord.timestamps import utcnow

Q, SENDING = MessageStatus.QUEUED.value, MessageStatus.SENDING.value
STUCK_REASON = ("The worker stopped while handing this message to the provider, so it may or may not have "
                "been sent. It is not sent again: check with the patient if it matters.")


class AlreadyClaimed(Exception):
    """A message with this key was recorded before: it was sent, skipped, or is on its way."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def claim(key: str, draft: Draft, *, contact: Contact | None, kind: str, source: str,
          source_id: int | None = None) -> Message:
    """Record the intended send as "queued" and commit. Raises `AlreadyClaimed` for a key seen before."""
    return _insert(Message(key=key, status=Q, **_fields(draft, contact, kind, source, source_id)))


def record_skip(key: str, draft: Draft | None, *, channel: str, contact: Contact | None, kind: str, source: str,
                reason: str, source_id: int | None = None) -> Message:
    """Record a send decided against, so staff see why, and the key is never sent later. Commits."""
    fields = _fields(draft, contact, kind, source, source_id) if draft else {
        "channel": channel, "kind": kind, "source": source, "source_id": source_id,
        "contact_id": contact.id if contact else None}
    now = utcnow()
    return _insert(Message(key=key, status=MessageStatus.SKIPPED.value, reason=reason, finished_at=now, **fields))


def _fields(draft: Draft, contact: Contact | None, kind: str, source: str, source_id: int | None) -> dict:
    common = {"channel": draft.channel, "kind": kind, "source": source, "source_id": source_id,
              "contact_id": contact.id if contact else None, "address": draft.to}
    if isinstance(draft, EmailDraft):
        return common | {"subject": draft.subject, "body_text": draft.text, "body_html": draft.html,
                         "headers": dict(draft.headers)}
    return common | {"body_text": draft.body, "headers": {}}


def _insert(message: Message) -> Message:
    """INSERT in a savepoint: a duplicate key undoes only this row (PostgreSQL aborts the whole
    transaction on an error otherwise), then commit."""
    message.created_at = message.created_at or utcnow()
    try:
        with db.session.begin_nested():
            db.session.add(message)
            db.session.flush()
            _add_to_feed(message)
    except IntegrityError:
        db.session.commit()  # whatever the caller had pending still stands
        raise AlreadyClaimed(message.key) from None
    db.session.commit()
    return message


def _add_to_feed(message: Message) -> None:
    """One feed event per message, at its creation time: the feed's keyset pages stay one table;
    the event shows the message's status as it is now."""
    if message.contact_id is not None:
        db.session.add(ActivityEvent(contact_id=message.contact_id, kind=EventKind.MESSAGE.value,
                                     occurred_at=message.created_at, data={"message_id": message.id}))


def draft_of(message: Message) -> Draft:
    """The draft a recorded message was made from, to send a queued row later."""
    if message.channel == "email":
        return EmailDraft(to=message.address or "", subject=message.subject or "", text=message.body_text or "",
                          html=message.body_html, headers=dict(message.headers or {}))
    return SmsDraft(to=message.address or "", body=message.body_text or "")


def _transition(message: Message, from_statuses: Iterable[str], **values) -> bool:
    """Move `message` on if it is still in one of `from_statuses`; commits. False: someone else moved it."""
    result = db.session.execute(
        update(Message).where(Message.id == message.id, Message.status.in_(list(from_statuses))).values(**values)
        .execution_options(synchronize_session=False))
    db.session.commit()  # expires `message`: its next read loads the new state (no SELECT until then)
    return result.rowcount == 1


def start_sending(message: Message, via: str) -> bool:
    """queued -> sending: the claim of the send itself. Only one caller ever gets True for a row."""
    return _transition(message, [Q], status=SENDING, sending_at=utcnow(), via=via, reason=None)


def mark_sent(message: Message, receipt: Receipt) -> bool:
    """sending (or uncertain, if recovery gave up on a slow provider) -> sent."""
    now = utcnow()
    values = {"status": MessageStatus.SENT.value, "sent_at": now, "finished_at": now, "reason": None,
              "provider_id": receipt.provider_id, "provider_answer": receipt.answer}
    if receipt.headers is not None:
        values["headers"] = receipt.headers
    return _transition(message, [SENDING, MessageStatus.UNCERTAIN.value], **values)


def mark_failed(message: Message, reason: str, code: str | None = None) -> bool:
    return _transition(message, [Q, SENDING], status=MessageStatus.FAILED.value, reason=reason,
                       provider_error_code=code, finished_at=utcnow())


def mark_skipped(message: Message, reason: str) -> bool:
    """A queued message found ineligible at send time (unsubscribed meanwhile, erased...)."""
    return _transition(message, [Q], status=MessageStatus.SKIPPED.value, reason=reason, finished_at=utcnow())


def mark_uncertain(message: Message, reason: str = STUCK_REASON) -> bool:
    return _transition(message, [SENDING], status=MessageStatus.UNCERTAIN.value, reason=reason, finished_at=utcnow())


def requeue(message: Message, reason: str) -> bool:
    """sending -> queued, only after a `TemporaryFailure`: the provider certainly did not take it."""
    return _transition(message, [SENDING], status=Q, sending_at=None, reason=reason)


def recover_stuck(older_than: timedelta, now: datetime | None = None) -> tuple[list[int], list[int]]:
    """Rows left "sending" past `older_than` become "uncertain" (never resent: a worker died perhaps
    after the provider took them). Returns (uncertain ids, ids of "queued" rows untouched as long,
    which were never handed to a provider and may be sent again). Commits."""
    cutoff = (now or utcnow()) - older_than
    stuck = list(db.session.scalars(select(Message.id).where(Message.status == SENDING, Message.sending_at < cutoff)))
    if stuck:
        db.session.execute(
            update(Message).where(Message.id.in_(stuck), Message.status == SENDING)
            .values(status=MessageStatus.UNCERTAIN.value, reason=STUCK_REASON, finished_at=now or utcnow())
            .execution_options(synchronize_session=False))
    waiting = list(db.session.scalars(select(Message.id).where(Message.status == Q, Message.updated_at < cutoff)))
    db.session.commit()
    return stuck, waiting


def uncertain(limit: int = 100) -> list[Message]:
    """Messages that may or may not have gone out, newest first: staff should look at these."""
    return list(db.session.scalars(select(Message).where(Message.status == MessageStatus.UNCERTAIN.value)
                                   .order_by(Message.created_at.desc()).limit(limit)))


# -- Batches: the same states, fewer round trips -----------------------------------------------------
# A batch records all its claims in one commit (queued rows were never handed over: recovery
# sends them again if the worker dies), then each message still goes through "sending",
# committed before the provider call. The commit that marks one message sent also marks the
# next one "sending", so a batch costs one commit per message instead of three.


def claim_many(items: list[tuple[str, Draft, Contact | None]], *, kind: str, source: str,
               source_id: int | None = None) -> dict[str, int]:
    """Record every (key, draft, contact) as "queued" in one transaction and commit.

    Returns {key: message id} for the rows recorded now; a key seen before (by an earlier
    send or another worker at the same moment) is left out, so it is never sent from here.
    """
    if not items:
        return {}
    now = utcnow()
    table = Message.__table__
    rows = [{"key": key, "status": Q, "created_at": now, "updated_at": now,
             **_fields(draft, contact, kind, source, source_id)} for key, draft, contact in items]
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}[dialect]
    statement = insert(table).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id, table.c.key)
    claimed = {key: message_id for message_id, key in db.session.execute(statement, rows)}
    events = [{"contact_id": row["contact_id"], "kind": EventKind.MESSAGE.value, "occurred_at": now,
               "recorded_at": now, "backfill": False, "data": {"message_id": claimed[row["key"]]}}
              for row in rows if row["key"] in claimed and row["contact_id"] is not None]
    if events:
        db.session.execute(ActivityEvent.__table__.insert(), events)
    db.session.commit()
    return claimed


def skip_many(reasons: dict[int, str]) -> None:
    """queued -> skipped for each {message id: reason} (found ineligible at send time); one commit."""
    if reasons:
        now = utcnow()
        db.session.execute(_SKIP, [{"message_id": i, "reason": r, "now": now} for i, r in reasons.items()])
    db.session.commit()


# The batch's transitions as statements built once (SQLAlchemy then reuses their compiled form),
# each the same conditional UPDATE as the single-message functions above; `send_many` runs
# them on a connection of its own and commits them in pairs.
_T = Message.__table__


def _moving(from_statuses: list[str], **values):
    # `or_` of plain comparisons, not IN: an expanding IN cannot be run as an executemany.
    return (_T.update().where(_T.c.id == bindparam("message_id"), or_(*(_T.c.status == s for s in from_statuses)))
            .values(updated_at=bindparam("now"), **values))


_SKIP = _moving([Q], status=MessageStatus.SKIPPED.value, reason=bindparam("reason"), finished_at=bindparam("now"))
START = _moving([Q], status=SENDING, sending_at=bindparam("now"), via=bindparam("via"), reason=None)
SENT = _moving([SENDING, MessageStatus.UNCERTAIN.value], status=MessageStatus.SENT.value, sent_at=bindparam("now"),
               finished_at=bindparam("now"), reason=None, provider_id=bindparam("provider_id"),
               provider_answer=bindparam("answer"), headers=bindparam("headers", type_=_T.c.headers.type))
SENT_KEEPING_HEADERS = _moving([SENDING, MessageStatus.UNCERTAIN.value], status=MessageStatus.SENT.value,
                               sent_at=bindparam("now"), finished_at=bindparam("now"), reason=None,
                               provider_id=bindparam("provider_id"), provider_answer=bindparam("answer"))
FAILED = _moving([Q, SENDING], status=MessageStatus.FAILED.value, reason=bindparam("reason"),
                 provider_error_code=bindparam("code"), finished_at=bindparam("now"))
UNCERTAIN = _moving([SENDING], status=MessageStatus.UNCERTAIN.value, reason=bindparam("reason"),
                    finished_at=bindparam("now"))
REQUEUE = _moving([SENDING], status=Q, sending_at=None, reason=bindparam("reason"))


class DriverLedger:
    """The batch's transitions run straight on the database driver's cursor, on a connection of their own.

    SQLAlchemy compiles each statement once either way, but its execute path (an execution
    context, a result object) costs about 0.1 ms a statement, as much as SQLite's own work,
    and a batch runs two per message between an SMTP command and its answer. Here each
    statement is compiled once per batch and only its parameters are made per call, with the
    dialect's own converters (datetimes for SQLite, JSON).
    """

    def __init__(self, engine):
        self.dialect = engine.dialect
        self.connection = engine.raw_connection()  # the pool's DBAPI connection
        self.cursor = self.connection.cursor()
        self._compiled: dict = {}

    def __enter__(self) -> "DriverLedger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def execute(self, statement, parameters: dict) -> int:
        """Run one of the statements above; the number of rows it changed."""
        compiled, sql, order, converters = self._compiled.get(statement) or self._compile(statement)
        values = compiled.construct_params(parameters)
        for name, convert in converters:
            values[name] = convert(values[name])
        self.cursor.execute(sql, [values[name] for name in order] if order else values)
        return self.cursor.rowcount

    def commit(self) -> None:
        self.connection.commit()

    def close(self) -> None:
        try:
            self.cursor.close()
        finally:
            self.connection.close()  # back to the pool (rolled back there if anything is left open)

    def _compile(self, statement) -> tuple:
        compiled = statement.compile(dialect=self.dialect)
        converters = {name: convert for bind, name in compiled.bind_names.items()  # a name used twice: once
                      if (convert := bind.type.dialect_impl(self.dialect).bind_processor(self.dialect)) is not None}
        entry = (compiled, compiled.string, compiled.positiontup, list(converters.items()))
        self._compiled[statement] = entry
        return entry


def sent_statement(message_id: int, receipt: Receipt):
    """The `mark_sent` UPDATE for `send_many`: (statement, parameters)."""
    params = {"message_id": message_id, "now": utcnow(), "provider_id": receipt.provider_id,
              "answer": receipt.answer}
    if receipt.headers is None:
        return SENT_KEEPING_HEADERS, params
    return SENT, params | {"headers": receipt.headers}
