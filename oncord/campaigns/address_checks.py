"""Facts about addresses that only Python can work out, kept in `address_checks` for SQL to join.

Whether a number takes SMS needs libphonenumber, and an erased address is known only by its
keyed hash; both depend on the address alone, so each new address is worked out once
(`refresh`) and the audience count joins the answers in. Rows made with another SECRET_KEY
are worked out again. Writes go into the caller's transaction: the caller commits.
"""
from __future__ import annotations

import hashlib

from sqlalchemy import and_, delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite

from oncord.extensions import db
from oncord.messaging import eligibility, suppressions
from oncord.models import AddressCheck, ConsentStatus, Contact, Suppression

BATCH = 5000


def key_tag() -> str:
    """Names the key the hashes were made with, without revealing it."""
    return hashlib.sha256(suppressions._key()).hexdigest()[:16]


def _column(kind: str):
    return Contact.email_lower if kind == "email" else Contact.phone


def refresh(kind: str) -> int:
    """Work out the addresses (of subscribed contacts) not checked yet; returns how many were new."""
    tag = key_tag()
    db.session.execute(delete(AddressCheck).where(AddressCheck.kind == kind, AddressCheck.key_tag != tag))
    column = _column(kind)
    status = Contact.email_status if kind == "email" else Contact.sms_status
    missing = db.session.scalars(
        select(column).distinct().where(
            column.is_not(None), status == ConsentStatus.SUBSCRIBED.value,
            ~exists().where(AddressCheck.kind == kind, AddressCheck.address == column))).all()
    if not missing:
        return 0
    rows = [_check(kind, address, tag) for address in missing]
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[db.session.get_bind().dialect.name]
    statement = insert(AddressCheck).on_conflict_do_nothing(index_elements=["kind", "address"])
    for start in range(0, len(rows), BATCH):
        db.session.execute(statement, rows[start:start + BATCH])
    return len(rows)


def _check(kind: str, address: str, tag: str) -> dict:
    if kind == "email":
        return {"kind": kind, "address": address, "sms_capable": None, "hash": suppressions.email_hash(address),
                "key_tag": tag}
    return {"kind": kind, "address": address, "sms_capable": eligibility._sms_capable(address),
            "hash": suppressions.phone_hash(address), "key_tag": tag}


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
            .where(AddressCheck.kind == kind))


def suppressed_patient_ids():
    return select(Suppression.cliniko_patient_id).where(Suppression.lifted_at.is_(None),
                                                        Suppression.cliniko_patient_id.is_not(None))
