"""scripts/run.py (`make run`): the port check, the banner, the sandbox's kept world and key."""
from __future__ import annotations

import importlib.util
import io
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "run.py"


@pytest.fixture(scope="module")
def run():
    spec = importlib.util.spec_from_file_location("oncord_run_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _leave_time_wait() -> int:
    """A port whose server closed a connection first, as after Ctrl-C: it sits in TIME-WAIT."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = listener.accept()
        accepted.close()  # the server side closes first: its end goes to TIME-WAIT
        time.sleep(0.1)
        client.close()
    return port


def test_a_port_in_time_wait_counts_as_free(run):
    port = _leave_time_wait()
    with socket.socket() as plain:  # the old check: a bind without SO_REUSEADDR fails here
        with pytest.raises(OSError):
            plain.bind(("127.0.0.1", port))
    assert run.port_is_free(port)
    assert run.free_port(port) == port


def test_a_port_someone_listens_on_is_busy(run):
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert not run.port_is_free(port)
        assert run.free_port(port) != port


def test_the_sandbox_keeps_its_world_and_key_in_instance_unless_reset(run, tmp_path, monkeypatch):
    monkeypatch.setattr(run, "INSTANCE_DIR", tmp_path / "instance")
    monkeypatch.setattr(run, "SANDBOX_WORLD", tmp_path / "instance" / "sandbox-world.sqlite3")
    monkeypatch.setattr(run, "SANDBOX_KEY", tmp_path / "instance" / "sandbox-api-key")
    monkeypatch.setattr(run, "RUN_DIR", tmp_path / ".run")
    (tmp_path / ".run").mkdir()
    (tmp_path / ".run" / "sandbox_api_key").write_text("0123456789abcdef0123456789abcdef-au1\n")
    key = run.sandbox_api_key()
    assert key == "0123456789abcdef0123456789abcdef-au1"  # an earlier run's key carries over
    assert run.sandbox_api_key() == key and (tmp_path / "instance" / "sandbox-api-key").exists()
    kept = run.sandbox_command(5055, key)
    assert f"--db {tmp_path / 'instance' / 'sandbox-world.sqlite3'} --keep-db" in kept and f"--api-key {key}" in kept
    assert "--quiet" in kept
    assert "--keep-db" not in run.sandbox_command(5055, key, reset=True)
    assert run.is_set("1") and run.is_set("yes") and not run.is_set("") and not run.is_set("0")


class _Healthy(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def test_the_banner_is_printed_again_once_the_start_up_log_settles(run):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    read_end, write_end = socket.socketpair()
    sink = io.BytesIO()
    log = run.LogRelay(read_end.makefile("rb"), sink)
    threading.Thread(target=log.run, daemon=True).start()
    announcer = threading.Thread(target=run.announce_when_ready,
                                 args=(f"http://127.0.0.1:{server.server_port}", "  API key: KEY\n", log))
    try:
        announcer.start()
        chatter = time.monotonic() + 2
        while time.monotonic() < chatter:  # the start-up log keeps going for a while
            write_end.sendall(b"sandbox | live: booked appointment 1\n")
            time.sleep(0.1)
        announcer.join(timeout=60)
        assert not announcer.is_alive()
    finally:
        server.shutdown()
        write_end.close()
    text = sink.getvalue().decode()
    assert text.count("oncord is running: http://127.0.0.1:") == 2
    first, last = text.index("oncord is running"), text.rindex("oncord is running")
    assert "live: booked" in text[first:last]  # printed again below the start-up log, not at once
    assert "API key: KEY" in text[last:]
