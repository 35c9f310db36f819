"""The dashboard's tests run in the clinic's zone of the seeded data."""
import pytest


@pytest.fixture
def sydney(app, monkeypatch):
    monkeypatch.setitem(app.config, "CLINIC_TIMEZONE", "Australia/Sydney")
    return "Australia/Sydney"
