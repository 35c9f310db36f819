"""`make run`'s sandbox: its world is kept in a file across restarts, and its log stays quiet."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from cliniko_sandbox.app import Sandbox
from cliniko_sandbox.live import LiveActivity

REPO = Path(__file__).resolve().parents[2]
KEY = "keptkey00000000000000000000000000-au1"
HEADERS = {"User-Agent": "kept world test (tests@oncord.example)"}


def _start(db: Path, *extra: str) -> tuple[subprocess.Popen, str, list[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "cliniko_sandbox", "--port", "0", "--api-key", KEY, "--db", str(db),
         "--patients", "20", "--appointments", "40", "--seed", "5", "--no-rate-limit", "--quiet", *extra],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("Control:"):
            break
    base = next(l.split(": ", 1)[1].strip() for l in lines if l.startswith("Base URL"))
    return proc, base, lines


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)  # as honcho stops it
    rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, rest
    return rest


def _patients(base: str) -> list[tuple[str, str, str]]:
    rows, url = [], base + "/patients?per_page=100&q[]=archived_at:>1900-01-01T00:00:00Z"
    for url in (base + "/patients?per_page=100", url):
        body = requests.get(url, auth=(KEY, ""), headers=HEADERS, timeout=10).json()
        rows += [(p["id"], p["first_name"], p["last_name"]) for p in body["patients"]]
    return sorted(rows)


def test_the_world_survives_a_restart_with_its_ids_and_key(tmp_path):
    db = tmp_path / "sandbox-world.sqlite3"
    proc, base, lines = _start(db, "--live", "--live-interval", "0.1")
    try:
        assert any("seeded 20 patients" in l for l in lines)
        seeded = _patients(base)
        deadline = time.monotonic() + 60
        while (before := _patients(base)) == seeded:  # live activity changes the world
            assert time.monotonic() < deadline, "no live activity within a minute"
            time.sleep(0.2)
        added = requests.post(base + "/patients", json={"first_name": "Kept", "last_name": "Across"},
                              auth=(KEY, ""), headers=HEADERS, timeout=10).json()
    finally:
        _stop(proc)
    proc, base, lines = _start(db, "--keep-db")
    try:
        assert any("kept the world in" in l for l in lines), lines
        after = _patients(base)
        assert (added["id"], "Kept", "Across") in after
        assert set(before) <= set(after)  # the same patients and ids, nothing reseeded
        newer = requests.post(base + "/patients", json={"first_name": "Newer", "last_name": "One"},
                              auth=(KEY, ""), headers=HEADERS, timeout=10).json()
        assert int(newer["id"]) > int(added["id"])
    finally:
        _stop(proc)
    proc, base, lines = _start(db)  # no --keep-db: a reset seeds a new world into the file
    try:
        assert any("seeded 20 patients" in l for l in lines)
        assert added["id"] not in {p[0] for p in _patients(base)}
    finally:
        _stop(proc)


def test_quiet_logs_refused_requests_but_not_routine_ones(tmp_path):
    proc, base, _ = _start(tmp_path / "world.sqlite3")
    try:
        for _ in range(5):
            assert requests.get(base + "/patients", auth=(KEY, ""), headers=HEADERS, timeout=10).ok
        assert requests.get(base + "/patients", auth=("wrong-au1", ""), headers=HEADERS, timeout=10).status_code == 401
    finally:
        log = _stop(proc)
    requests_logged = [line for line in log.splitlines() if "GET /v1/patients" in line]
    assert len(requests_logged) == 1 and " 401 " in requests_logged[0]  # werkzeug may colour the rest


def test_an_older_world_file_is_reseeded_not_misread(tmp_path):
    db = str(tmp_path / "old.sqlite3")
    first = Sandbox(db=db, patients=4, seed=3)
    first.store.conn.execute("ALTER TABLE patients DROP COLUMN notes")
    first.store.close()
    again = Sandbox(db=db, keep_db=True, patients=6, seed=3)
    assert not again.kept_world and again.world.counts()["patients"] == 6


def test_quiet_live_activity_logs_a_summary_not_each_event(caplog):
    now = [0.0]
    sandbox = Sandbox(patients=30, appointments=60, seed=4)
    live = LiveActivity(sandbox.world, summary_every=60, clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="cliniko_sandbox.live"):
        for second in range(3, 60, 3):  # 19 steps in 57 seconds: nothing at INFO yet
            now[0] = second
            live.report(live.step(2))
        assert caplog.records == []
        now[0] = 60
        live.report(live.step(2))
    assert len(caplog.records) == 1
    assert caplog.records[0].getMessage().startswith("live: ") and "in the last minute" in caplog.records[0].getMessage()


def test_live_activity_without_quiet_logs_each_event(caplog):
    sandbox = Sandbox(patients=30, appointments=60, seed=4)
    live = LiveActivity(sandbox.world)
    with caplog.at_level(logging.INFO, logger="cliniko_sandbox.live"):
        live.report(live.step(3))
    assert len(caplog.records) == 3
