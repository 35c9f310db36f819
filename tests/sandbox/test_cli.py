"""`python -m cliniko_sandbox ...` starts a real server."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
KEY = "clikey000000000000000000000000000-au2"
HEADERS = {"User-Agent": "cli test (cli@oncord.example)"}


@contextlib.contextmanager
def serving(*args: str):
    """Runs the sandbox's command line; yields its start-up lines and its base URL."""
    proc = subprocess.Popen([sys.executable, "-m", "cliniko_sandbox", "--port", "0", "--api-key", KEY, *args],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Control:"):
                break
        yield lines, next(l.split(": ", 1)[1].strip() for l in lines if l.startswith("Base URL"))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_cli_serves_the_api():
    with serving("--patients", "25", "--appointments", "100", "--seed", "42", "--no-rate-limit") as (lines, base):
        assert any(KEY in l for l in lines)
        body = requests.get(base + "/patients", auth=(KEY, ""), headers=HEADERS, timeout=5).json()
        assert body["total_entries"] > 0
        assert body["links"]["self"].startswith(base)


def test_cli_refuses_a_key_without_shard():
    result = subprocess.run([sys.executable, "-m", "cliniko_sandbox", "--api-key", "noshard"],
                            cwd=REPO, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "shard suffix" in result.stderr


def test_cli_names_the_account():
    with serving("--patients", "0", "--appointments", "0", "--subdomain", "harbour-physio",
                 "--account-name", "Harbour Physio & Pilates") as (lines, base):
        assert any("harbour-physio.au2.cliniko.com" in l for l in lines)
        account = requests.get(base + "/settings", auth=(KEY, ""), headers=HEADERS, timeout=5).json()["account"]
        assert (account["subdomain"], account["name"]) == ("harbour-physio", "Harbour Physio & Pilates")


def test_cli_refuses_a_subdomain_that_is_no_host_name():
    result = subprocess.run([sys.executable, "-m", "cliniko_sandbox", "--subdomain", "My Clinic"],
                            cwd=REPO, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "--subdomain is invalid" in result.stderr
