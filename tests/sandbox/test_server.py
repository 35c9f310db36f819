"""A real threaded HTTP server with its own SQLite database."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from cliniko_sandbox.app import Sandbox


def test_concurrent_reads_and_writes(sandbox):
    sandbox.world.reset(patients=40, appointments=100, seed=3)

    def work(n: int) -> list[int]:
        with requests.Session() as s:
            s.auth, s.headers = sandbox.auth, {**s.headers, **sandbox.headers}
            codes = []
            for i in range(10):
                if i % 3 == 0:
                    r = s.post(sandbox.base_url + "/patients",
                               json={"first_name": f"T{n}", "last_name": f"W{i}"})
                else:
                    r = s.get(sandbox.base_url + "/individual_appointments",
                              params={"per_page": 100, "q[]": "cancelled_at:*"})
                    body = r.json()
                    assert len(body["individual_appointments"]) == min(100, body["total_entries"])
                codes.append(r.status_code)
            return codes

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = [c for codes in pool.map(work, range(16)) for c in codes]
    assert set(results) == {200, 201}
    assert sandbox.requests.count() == 160
    assert sandbox.requests.count("POST /patients") == 16 * 4


def test_file_database_can_be_kept(tmp_path):
    path = str(tmp_path / "sandbox.sqlite")
    first = Sandbox(db=path, patients=15, appointments=30, seed=8)
    added = first.world.create_patient(first_name="Kept")
    first.store.conn.close()
    again = Sandbox(db=path, keep_db=True)
    assert again.world.patient(added["id"])["first_name"] == "Kept"
    newer = again.world.create_patient()
    assert int(newer["id"]) > int(added["id"])
    fresh = Sandbox(db=path, patients=3, seed=8)
    assert fresh.world.counts()["patients"] == 3


def test_api_key_must_carry_a_shard():
    import pytest

    for key in ("noshard", "abc-", "abc-zz", "abc-au123"):
        with pytest.raises(ValueError):
            Sandbox(api_key=key)
    assert Sandbox(api_key="abc-UK2").shard == "uk2"
