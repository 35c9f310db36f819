"""Facts about addresses that only Python can work out, kept in `address_checks` for SQL to use.

Whether a number takes SMS needs libphonenumber, and an erased address is known only by its
keyed hash; both depend on the address alone, so each new address is worked out once
(`refresh`) and the audience count reads the answers in SQL. Rows made with another
SECRET_KEY are ignored and worked out again. Writes join the caller's transaction: the caller
commits (until then, the next count works them out again).
"""
from __future__ import annotations

import hashlib

from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite

from oncord.extensions import db
from oncord.messaging import eligibility, suppressions
from oncord.models import AddressCheck, ConsentStatus, Contact, Suppression

BATCH = 5000
# What the contacts looked like when each kind was last refreshed in this process: unchanged, no
# scan is needed. Only new or edited contacts bring new addresses, and each edit moves updated_at.
_refreshed: dict[tuple, tuple] = {}


def key_tag() -> str:
    """Names the key the hashes were made with, without revealing it."""
    return hashlib.sha256(suppressions._key()).hexdigest()[:16]


def _column(kind: str):
    return Contact.email_lower if kind == "email" else Contact.phone


def refresh(kind: str) -> int:
    """Work out the addresses (of subscribed contacts) not checked yet; returns how many were new."""
    tag = key_tag()
    state = db.session.execute(select(
        select(func.max(Contact.updated_at)).scalar_subquery(), select(func.max(Contact.id)).scalar_subquery(),
        exists().where(AddressCheck.kind == kind, AddressCheck.key_tag == tag))).one()
    memo = (str(db.session.get_bind().url), kind, tag)
    if _refreshed.get(memo) == tuple(state):
        return 0
    column = _column(kind)
    status = Contact.email_status if kind == "email" else Contact.sms_status
    missing = db.session.scalars(
        select(column).distinct().where(
            column.is_not(None), status == ConsentStatus.SUBSCRIBED.value,
            ~exists().where(AddressCheck.kind == kind, AddressCheck.key_tag == tag,
                            AddressCheck.address == column))).all()
    if not missing:
        _refreshed[memo] = tuple(state)  # complete as committed: skip until contacts change
        return 0
    # Not remembered as done: if the caller never commits these rows, the next call works them out again.
    db.session.execute(delete(AddressCheck).where(AddressCheck.kind == kind, AddressCheck.key_tag != tag))
    rows = [_check(kind, address, tag) for address in missing]
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[db.session.get_bind().dialect.name]
    statement = insert(AddressCheck).on_conflict_do_nothing(index_elements=["kind", "key_tag", "address"])
    for start in range(0, len(rows), BATCH):
        db.session.execute(statement, rows[start:start + BATCH])
    return len(missing)


def _check(kind: str, address: str, tag: str) -> dict:
    if kind == "email":
        return {"kind": kind, "address": address, "sms_capable": None, "hash": suppressions.email_hash(address),
                "key_tag": tag}
    return {"kind": kind, "address": address, "sms_capable": eligibility._sms_capable(address),
            "hash": suppressions.phone_hash(address), "key_tag": tag}


def not_sms_capable():
    """A subquery of the numbers known not to take SMS (landlines...): far fewer than the mobiles."""
    return select(AddressCheck.address).where(AddressCheck.kind == "phone", AddressCheck.sms_capable.is_(False))


def any_hashed_suppression(kind: str) -> bool:
    """Whether any active suppression names an address of this kind (most clinics: none at all)."""
    column = Suppression.email_hash if kind == "email" else Suppression.phone_hash
    return db.session.scalar(select(Suppression.id).where(Suppression.lifted_at.is_(None), column.is_not(None))
                             .limit(1)) is not None


def suppressed_addresses(kind: str):
    """A subquery of the checked addresses an active suppression names (a handful of rows)."""
    column = Suppression.email_hash if kind == "email" else Suppression.phone_hash
    return (select(AddressCheck.address).join(Suppression, and_(column == AddressCheck.hash,
                                                                Suppression.lifted_at.is_(None)))
            .where(AddressCheck.kind == kind, AddressCheck.key_tag == key_tag()))


def suppressed_patient_ids():
    return select(Suppression.cliniko_patient_id).where(Suppression.lifted_at.is_(None),
                                                        Suppression.cliniko_patient_id.is_not(None))
