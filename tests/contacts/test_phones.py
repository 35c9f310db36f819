import pytest

from oncord.contacts.phones import PhoneNumberInvalid, display_phone, to_e164


@pytest.mark.parametrize("typed, stored", [
    ("0412 345 678", "+61412345678"),
    ("(02) 9876 5432", "+61298765432"),
    ("+61 412-345-678", "+61412345678"),
    ("+64 21 123 4567", "+64211234567"),
])
def test_numbers_are_stored_as_e164_reading_local_ones_as_australian(typed, stored):
    assert to_e164(typed) == stored


@pytest.mark.parametrize("typed", ["not a phone", "123", "0412 345"])
def test_numbers_that_do_not_parse_are_explained(typed):
    with pytest.raises(PhoneNumberInvalid, match="not a"):
        to_e164(typed)


def test_numbers_display_nationally_at_home():
    assert display_phone("+61412345678") == "0412 345 678"
    assert display_phone("+64211234567") == "+64 21 123 4567"
    assert display_phone(None) == ""
    assert display_phone("garbage") == "garbage"
