"""Keyed hashes of erased people's addresses, and the check every send makes against them.

The HMAC-SHA256 key is derived from SECRET_KEY, not from ONCORD_ENCRYPTION_KEYS: those
are a list meant to rotate (old keys are dropped in time), and a hash made with a dropped
key could never match again. SECRET_KEY must therefore stay the same for the life of an
install: a new one makes every suppression's hashes unmatchable (the Cliniko patient id
still matches, but an address typed in again would not).
"""
from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from flask import current_app
from sqlalchemy import or_, select

from oncord.extensions import db
from oncord.models import Contact, Suppression


def _key() -> bytes:
    return _derived_key(current_app.config["SECRET_KEY"])


@lru_cache(maxsize=4)
def _derived_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"oncord suppression hashes v1", hashlib.sha256).digest()


def email_hash(email: str | None) -> str | None:
    normal = (email or "").strip().lower()
    return hmac.new(_key(), b"email:" + normal.encode(), hashlib.sha256).hexdigest() if normal else None


def phone_hash(phone: str | None) -> str | None:
    """`phone` in E.164; only its digits count, so "+61 412 345 678" and "+61412345678" match."""
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    return hmac.new(_key(), b"phone:" + digits.encode(), hashlib.sha256).hexdigest() if digits else None


def is_suppressed(*, email: str | None = None, phone: str | None = None, patient_id: int | None = None) -> bool:
    """True when an active (not lifted) suppression matches any of these."""
    conditions = []
    if (hashed := email_hash(email)) is not None:
        conditions.append(Suppression.email_hash == hashed)
    if (hashed := phone_hash(phone)) is not None:
        conditions.append(Suppression.phone_hash == hashed)
    if patient_id is not None:
        conditions.append(Suppression.cliniko_patient_id == patient_id)
    if not conditions:
        return False
    query = select(Suppression.id).where(Suppression.lifted_at.is_(None), or_(*conditions)).limit(1)
    return db.session.scalar(query) is not None


def suppressed_patient_ids(patient_ids) -> set[int]:
    """Which of these Cliniko patients are erased (an active suppression): one indexed query, for a pull's page."""
    ids = {i for i in patient_ids if i is not None}
    if not ids:
        return set()
    return set(db.session.scalars(select(Suppression.cliniko_patient_id).where(
        Suppression.cliniko_patient_id.in_(ids), Suppression.lifted_at.is_(None))))


def suppression_for(contact: Contact, *, reason: str, user_id: int | None = None) -> Suppression:
    """A suppression remembering `contact` by hashes and patient id (the erase tool's record); the caller commits."""
    row = Suppression(email_hash=email_hash(contact.email), phone_hash=phone_hash(contact.phone),
                      cliniko_patient_id=contact.cliniko_patient_id, reason=reason, created_by_user_id=user_id)
    db.session.add(row)
    return row


def suppressed_among(*, emails=(), phones=(), patient_ids=()) -> tuple[set[str], set[int]]:
    """For a batch of sends, one indexed query: (hashes of these addresses that are suppressed,
    these patient ids that are). `is_suppressed` answers for one; this answers the same for many."""
    hashes = {h for h in (*map(email_hash, emails), *map(phone_hash, phones)) if h is not None}
    ids = {i for i in patient_ids if i is not None}
    conditions = []
    if hashes:
        conditions += [Suppression.email_hash.in_(hashes), Suppression.phone_hash.in_(hashes)]
    if ids:
        conditions.append(Suppression.cliniko_patient_id.in_(ids))
    if not conditions:
        return set(), set()
    found_hashes, found_ids = set(), set()
    for email, phone, patient_id in db.session.execute(
            select(Suppression.email_hash, Suppression.phone_hash, Suppression.cliniko_patient_id)
            .where(Suppression.lifted_at.is_(None), or_(*conditions))):
        found_hashes |= {email, phone} & hashes
        if patient_id in ids:
            found_ids.add(patient_id)
    return found_hashes, found_ids
