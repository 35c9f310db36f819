"""Cliniko's list envelope: resource key, total_entries, absolute links, page/per_page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest


@pytest.fixture
def patients(sandbox):
    for i in range(120):
        sandbox.world.create_patient(first_name=f"P{i:03d}", last_name="Pager")
    return sandbox


def page(session, sandbox, **params):
    response = session.get(sandbox.base_url + "/patients", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_default_page_is_50_with_next_and_no_previous(patients, sandbox_session):
    body = page(sandbox_session, patients)
    assert len(body["patients"]) == 50
    assert body["total_entries"] == 120
    assert body["links"] == {
        "self": f"{patients.base_url}/patients?page=1",
        "next": f"{patients.base_url}/patients?page=2",
    }


def test_middle_and_last_pages(patients, sandbox_session):
    middle = page(sandbox_session, patients, page=2, per_page=50)
    assert middle["links"]["previous"] == f"{patients.base_url}/patients?page=1&per_page=50"
    assert middle["links"]["next"] == f"{patients.base_url}/patients?page=3&per_page=50"
    last = page(sandbox_session, patients, page=3, per_page=50)
    assert len(last["patients"]) == 20
    assert "next" not in last["links"]
    assert last["links"]["self"] == f"{patients.base_url}/patients?page=3&per_page=50"


def test_links_keep_filters_and_sort(patients, sandbox_session):
    body = page(sandbox_session, patients, **{"q[]": "last_name:=Pager", "sort": "id",
                                              "per_page": 10})
    parts = urlsplit(body["links"]["next"])
    assert parts.query.startswith("page=2&")
    assert "q%5B%5D=last_name%3A%3DPager" in parts.query
    assert parse_qs(parts.query) == {"page": ["2"], "q[]": ["last_name:=Pager"], "sort": ["id"],
                                     "per_page": ["10"]}


def test_following_next_visits_every_row_once(patients, sandbox_session):
    url, seen = f"{patients.base_url}/patients?per_page=100", []
    while url:
        body = sandbox_session.get(url).json()
        seen += [p["id"] for p in body["patients"]]
        url = body["links"].get("next")
    assert len(seen) == len(set(seen)) == 120


@pytest.mark.parametrize("per_page, size", [("100", 100), ("101", 100), ("500", 100),
                                            ("0", 1), ("-5", 1), ("junk", 50)])
def test_per_page_is_clamped_to_1_through_100(patients, sandbox_session, per_page, size):
    assert len(page(sandbox_session, patients, per_page=per_page)["patients"]) == size


def test_page_past_the_end_is_empty_but_counts(patients, sandbox_session):
    body = page(sandbox_session, patients, page=9)
    assert body["patients"] == []
    assert body["total_entries"] == 120
    assert body["links"]["previous"].endswith("page=8")


def test_page_below_one_is_page_one(patients, sandbox_session):
    assert page(sandbox_session, patients, page=0)["links"]["self"].endswith("page=1")


def test_total_entries_counts_after_filters(patients, sandbox_session):
    body = page(sandbox_session, patients, **{"q[]": "first_name:~P00"})
    assert body["total_entries"] == 10
    assert "next" not in body["links"]


def test_empty_list_has_zero_total(sandbox, sandbox_session):
    body = page(sandbox_session, sandbox)
    assert body == {"patients": [], "total_entries": 0,
                    "links": {"self": f"{sandbox.base_url}/patients?page=1"}}
