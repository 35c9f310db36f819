"""Fixtures shared by the sandbox's own tests."""
from __future__ import annotations

import pytest
import requests


@pytest.fixture
def control(sandbox):
    """Calls the sandbox's HTTP control surface (`/_sandbox/...`) and checks the status."""
    def call(method, path, expect=200, **kwargs):
        response = requests.request(method, sandbox.control_url + path, timeout=10, **kwargs)
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    return call
