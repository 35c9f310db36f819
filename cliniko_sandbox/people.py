"""Realistic Australian patients, cheaply: Faker fills small pools once, then a
seeded `random.Random` mixes them. 200k calls to Faker would take minutes."""

from __future__ import annotations

import functools
import random
import unicodedata
from typing import Any

from faker import Faker

from cliniko_sandbox.validation import normalize_phone

# Names that break naive code; the first patients of every seeded world get them.
AWKWARD_NAMES = [
    ("Zoë", "O'Brien"), ("José-María", "Nguyễn"), ("Siobhán", "Ní Bhriain"),
    ("Łukasz", "Wójcik"), ("Chloé", "D'Souza"), ("Björn", "Müller-Lüdenscheidt"),
    ("Anh", "Trần"), ("Renée", "Van der Berg"), ("Mary-Jane", "McDonald-O'Neil"),
    ("Søren", "Ødegård"), ("Ngaio", "Te Whāiti"), ("李", "伟"),
]
STATES = {
    "VIC": ("Victoria", "Australia/Melbourne"), "NSW": ("New South Wales", "Australia/Sydney"),
    "QLD": ("Queensland", "Australia/Brisbane"), "WA": ("Western Australia", "Australia/Perth"),
    "SA": ("South Australia", "Australia/Adelaide"), "TAS": ("Tasmania", "Australia/Hobart"),
    "ACT": ("Australian Capital Territory", "Australia/Sydney"),
    "NT": ("Northern Territory", "Australia/Darwin"),
}
EMAIL_DOMAINS = ["gmail.com", "outlook.com", "bigpond.com", "yahoo.com.au",
                 "icloud.com", "optusnet.com.au", "hotmail.com", "iinet.net.au"]
SEXES = ["Female", "Male", "Female", "Male", "AFAB", "AMAB", None, None]
TITLES = ["Mr", "Mrs", "Ms", "Miss", "Dr", None, None, None]
REMINDERS = ["SMS", "Email", "SMS & Email", "SMS & Email", "None", None]
OCCUPATIONS = ["Teacher", "Nurse", "Electrician", "Accountant", "Student", "Retired",
               "Software developer", "Barista", "Chef", "Plumber", None, None, None]
REFERRALS = ["Google", "Friend", "GP referral", "Instagram", "Walked past", None, None]


class People:
    """Pools built with Faker `en_AU` from a seed; `patient()` draws one row's fields."""

    def __init__(self, seed: int, pool_size: int = 400) -> None:
        self.rng = random.Random(seed)
        pools = _pools(seed, pool_size)
        self.first_names, self.last_names, self.streets, self.places = pools

    def name(self, index: int | None = None) -> tuple[str, str]:
        if index is not None and index < len(AWKWARD_NAMES):
            return AWKWARD_NAMES[index]
        rng = self.rng
        first = rng.choice(self.first_names)
        last = rng.choice(self.last_names)
        if rng.random() < 0.03:
            first, last = rng.choice(AWKWARD_NAMES)[0], rng.choice(self.last_names)
        return first, last

    def email(self, first: str, last: str) -> str:
        local = ".".join(part for part in (_ascii(first), _ascii(last)) if part)
        local = local or f"patient{self.rng.randint(1, 99999)}"
        if self.rng.random() < 0.5:
            local += str(self.rng.randint(1, 999))
        return f"{local}@{self.rng.choice(EMAIL_DOMAINS)}"

    def phone(self) -> dict[str, str]:
        rng = self.rng
        if rng.random() < 0.8:
            number = f"04{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
            kind = "Mobile"
        else:
            number = f"(0{rng.choice('2378')}) {rng.randint(9000, 9999)} {rng.randint(1000, 9999)}"
            kind = rng.choice(["Home", "Work"])
        return {"number": number, "phone_type": kind, "normalized_number": normalize_phone(number)}

    def patient(self, index: int | None = None) -> dict[str, Any]:
        """Writable patient fields (no ids or timestamps)."""
        rng = self.rng
        first, last = self.name(index)
        city, state_code = rng.choice(self.places)
        state_name, zone = STATES[state_code]
        address_1 = rng.choice(self.streets)
        if rng.random() < 0.01:  # odd but valid: a very long address line
            address_1 = (address_1 + ", c/o Building Management Office Level 3 Reception") * 3
            address_1 = address_1[:250]
        phones = [self.phone() for _ in range(rng.choice([0, 1, 1, 1, 1, 1, 2, 2]))]
        if rng.random() < 0.1:
            phones = []
        dob = None
        if rng.random() < 0.93:
            dob = f"{rng.randint(1935, 2022)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        return {
            "title": rng.choice(TITLES),
            "first_name": first,
            "last_name": last,
            "preferred_first_name": first[:3] if rng.random() < 0.05 else None,
            "email": self.email(first, last) if rng.random() < 0.85 else None,
            "patient_phone_numbers": phones,
            "address_1": address_1 if rng.random() < 0.9 else None,
            "address_2": f"Unit {rng.randint(1, 40)}" if rng.random() < 0.1 else None,
            "address_3": None,
            "city": city,
            "state": state_name,
            "post_code": _postcode(state_code, rng),
            "country": "Australia",
            "country_code": "AU",
            "date_of_birth": dob,
            "sex": rng.choice(SEXES),
            "gender_identity": None,
            "gender": None,
            "pronouns": None,
            "accepted_email_marketing": _consent(rng),
            "accepted_sms_marketing": _consent(rng),
            "accepted_privacy_policy": rng.choice([True, True, True, None, False]),
            "receives_confirmation_emails": rng.random() < 0.9,
            "receives_cancellation_emails": rng.random() < 0.9,
            "reminder_type": rng.choice(REMINDERS),
            "time_zone": zone if rng.random() < 0.3 else None,
            "notes": None,
            "appointment_notes": None,
            "occupation": rng.choice(OCCUPATIONS),
            "emergency_contact": None,
            "referral_source": rng.choice(REFERRALS),
            "old_reference_id": None,
            "medicare": None,
            "medicare_reference_number": None,
            "dva_card_number": None,
            "invoice_default_to": None,
            "invoice_email": None,
            "invoice_extra_information": None,
            "custom_fields": None,
            "concession_type_id": None,
            "referring_doctor_id": None,
        }


@functools.lru_cache(maxsize=8)
def _pools(seed: int, size: int) -> tuple[list[str], list[str], list[str], list[tuple[str, str]]]:
    """Faker is slow to start and to call; worlds reset often, pools are read-only."""
    fake = Faker("en_AU")
    fake.seed_instance(seed)
    codes = random.Random(seed).choices(list(STATES), k=size)
    return ([fake.first_name() for _ in range(size)], [fake.last_name() for _ in range(size)],
            [fake.street_address() for _ in range(size)], [(fake.city(), c) for c in codes])


def _consent(rng: random.Random) -> bool | None:
    roll = rng.random()
    return True if roll < 0.45 else (False if roll < 0.8 else None)


def _postcode(state_code: str, rng: random.Random) -> str:
    first = {"VIC": 3, "NSW": 2, "ACT": 2, "QLD": 4, "SA": 5, "WA": 6, "TAS": 7, "NT": 0}
    return f"{first[state_code]}{rng.randint(0, 999):03d}"


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())
