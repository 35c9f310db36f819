"""The Cliniko account the sandbox plays, and the user whose API key it accepts.

The account (name, subdomain, country) is what `GET /settings` shows; it is
seeded from the world's seed and kept in the store, so `--keep-db` keeps it.
The key's user is the seeded administrator; tests may change its role to see
what a less powerful key sees (`GET /user` and `/users/{id}` show the same row).
"""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING, Any

from cliniko_sandbox import render
from cliniko_sandbox.people import People
from cliniko_sandbox.schema import table_ddl
from cliniko_sandbox.validation import BLANK, INVALID, NOT_IN_LIST, TOO_LONG, ValidationFailed

if TYPE_CHECKING:
    import threading

    from cliniko_sandbox.store import Store

# Cliniko's security roles, as `GET /users` spells them (fact sheet §7.7).
ROLES = ("administrator", "bookkeeper", "power receptionist", "practitioner", "receptionist",
         "scheduler")
# Who may read `GET /settings` ("only accessible to users with a role that can view
# settings"; the fact sheet does not say which). Cliniko's help pages give account
# settings to administrators and power receptionists only; every other role gets 403.
SETTINGS_ROLES = frozenset({"administrator", "power receptionist"})
# A host label that oncord's form accepts too: lower-case letters, digits, inner hyphens.
SUBDOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
PRACTICES = ("Physiotherapy", "Physio & Health", "Allied Health", "Sports & Spinal",
             "Osteopathy", "Health Clinic", "Chiropractic", "Physio & Pilates")
ACCOUNT_ID_RANGE = (10**17, 2**63)  # 18-19 digits, within int64


def seed_account(seed: int, people: People) -> dict[str, Any]:
    """An en_AU clinic name, its subdomain and an int64 id, from the seed alone
    (its own random stream: the rest of the world is the same with or without it)."""
    rng = random.Random(f"account-{seed}")
    if rng.random() < 0.7:
        place = rng.choice(people.places)[0]
    else:
        place = f"{rng.choice(people.last_names)} & {rng.choice(people.last_names)}"
    name = f"{place} {rng.choice(PRACTICES)}"
    subdomain = slug(name)
    return {"id": rng.randrange(*ACCOUNT_ID_RANGE), "name": name, "subdomain": subdomain,
            "country": "Australia", "country_code": "AU", "currency_symbol": "$",
            "email_from": f"reception@{subdomain}.example", "time_zone_support": False}


def slug(name: str) -> str:
    """`"St Kilda Physio & Health"` -> `"st-kilda-physio-health"`, at most 63 long."""
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:63].rstrip("-")
    return text or "clinic"


class AccountState:
    """`World` mixes this in: the account, the key's user and the settings gate."""

    store: Store
    base_url: str
    seed: int
    people: People
    _lock: threading.RLock
    _account: dict[str, Any]
    account_overrides: dict[str, Any]
    # and World's `_row(table, id)` (NotFound when missing) and `now()`

    @property
    def subdomain(self) -> str:
        return self._account["subdomain"]

    def account(self) -> dict[str, Any]:
        """The account row: id, name, subdomain, country..., and `key_user_id`."""
        return dict(self._account)

    def set_account(self, **fields: Any) -> dict[str, Any]:
        """Rename the account or move its subdomain (as a clinic can in Cliniko's settings)."""
        values = clean_account(fields)
        with self._lock:
            self.store.update("account", self._account["id"], values)
            self._load_account()
        return self.account()

    def _seed_account(self, key_user_id: int) -> None:
        """Called while (re)seeding: the seed's account plus the start-up overrides."""
        row = {**seed_account(self.seed, self.people), "key_user_id": key_user_id}
        owner = self.store.get("users", key_user_id) or {}
        row.update(first_name=owner.get("first_name"), last_name=owner.get("last_name"))
        overrides = dict(self.account_overrides)
        if "subdomain" in overrides and "email_from" not in overrides:
            overrides["email_from"] = f"reception@{overrides['subdomain']}.example"
        row.update(overrides)
        self.store.insert("account", row)
        self._load_account()

    def _adopt_account(self) -> None:
        """`--keep-db`: use the stored account; a store from before accounts gets one."""
        if self.store.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'account'"):
            self._load_account()
            return
        with self.store.transaction() as conn:
            conn.execute(table_ddl("account"))
        admin = self.store.scalar(
            "SELECT id FROM users WHERE role = 'administrator' ORDER BY id LIMIT 1")
        self._seed_account(admin)

    def _load_account(self) -> None:
        rows = self.store.select("SELECT * FROM account LIMIT 1")
        self._account = self.store.decode("account", rows[0])

    # -- the key's user ---------------------------------------------------------------

    def key_user(self, base: str | None = None) -> dict[str, Any]:
        """The key's owner, as `GET /user` shows it (the seeded administrator)."""
        row = self._row("users", self._account["key_user_id"])
        return render.user(row, base or self.base_url)

    def set_key_user_role(self, role: str) -> dict[str, Any]:
        """Give the key's user another security role; what it may read follows."""
        if role not in ROLES:
            raise ValidationFailed({"role": NOT_IN_LIST})
        self.store.update("users", self._account["key_user_id"],
                          {"role": role, "updated_at": self.now()})
        return self.key_user()

    def can_view_settings(self) -> bool:
        return self.key_user()["role"] in SETTINGS_ROLES


def clean_account(fields: dict[str, Any]) -> dict[str, Any]:
    """The writable account fields, checked; anything else is refused (a typo should show)."""
    allowed = {"name", "subdomain", "email_from", "time_zone_support"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown account fields: {', '.join(sorted(unknown))}")
    values = {k: v for k, v in fields.items() if v is not None}
    errors: dict[str, str] = {}
    if "name" in values:
        if not isinstance(values["name"], str) or not values["name"].strip():
            errors["name"] = BLANK
        elif len(values["name"]) > 255:
            errors["name"] = TOO_LONG.format(n=255)
        else:
            values["name"] = values["name"].strip()
    if "subdomain" in values:
        if not isinstance(values["subdomain"], str) or not SUBDOMAIN.match(values["subdomain"]):
            errors["subdomain"] = INVALID
    if "email_from" in values and not isinstance(values["email_from"], str):
        errors["email_from"] = INVALID
    if "time_zone_support" in values and not isinstance(values["time_zone_support"], bool):
        errors["time_zone_support"] = INVALID
    if errors:
        raise ValidationFailed(errors)
    return values
