"""What the audience count needs to know about an address that only Python can work out.

Whether a number takes SMS (libphonenumber) and an address's keyed suppression hash cannot be
computed in SQL; they depend only on the address, so they are worked out once per address and
kept here, and the count joins them in instead of loading contacts into Python.
"""
from __future__ import annotations

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from oncord.extensions import db


class AddressCheck(db.Model):
    __tablename__ = "address_checks"
    __table_args__ = (Index("ix_address_checks_hash", "hash"),
                      Index("ix_address_checks_kind_sms_capable", "kind", "sms_capable"))

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # "email" | "phone"
    # Which SECRET_KEY made `hash`: rows of another key are ignored (and the address worked out again).
    key_tag: Mapped[str] = mapped_column(String(16), primary_key=True)
    address: Mapped[str] = mapped_column(String(255), primary_key=True)  # email_lower, or phone in E.164
    sms_capable: Mapped[bool | None]  # phones only: a mobile (or fixed-line-or-mobile) number
    hash: Mapped[str | None] = mapped_column(String(64))  # messaging.suppressions.email_hash / phone_hash
