"""Fixtures shared by the sandbox's own tests."""
from __future__ import annotations

import pytest
import requests

from tests.sandbox.openapi import validate


@pytest.fixture
def control(sandbox):
    """Calls the sandbox's HTTP control surface (`/_sandbox/...`) and checks the status."""
    def call(method, path, expect=200, **kwargs):
        response = requests.request(method, sandbox.control_url + path, timeout=10, **kwargs)
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    return call


@pytest.fixture
def call(sandbox, sandbox_session):
    """Calls the sandbox's API, checks the status, and checks the answer against Cliniko's OpenAPI spec."""
    def call(method, path, expect, **kwargs):
        response = sandbox_session.request(method, sandbox.base_url + path, **kwargs)
        assert response.status_code == expect, response.text
        validate(response, sandbox.base_url)
        return response

    return call
