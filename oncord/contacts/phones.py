"""Phone numbers as staff type them, stored as E.164 (+61412345678)."""
from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "AU"  # numbers typed without +country are read as Australian


class PhoneNumberInvalid(ValueError):
    """The text is not a phone number we could dial."""


def to_e164(raw: str, region: str = DEFAULT_REGION) -> str:
    """'0412 345 678' -> '+61412345678'; raises PhoneNumberInvalid with a message for staff."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise PhoneNumberInvalid(f"“{raw}” is not a phone number.") from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneNumberInvalid(
            f"“{raw}” is not a valid phone number. Use a local number like 0412 345 678, "
            "or start with + and the country code.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str | None) -> str:
    """How a stored number reads on screen: national format at home, international otherwise."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == DEFAULT_REGION:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
