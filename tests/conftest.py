"""Fixtures shared by the whole suite: app, db, client, login_as, csrf_token, live_server."""
from __future__ import annotations

import os
import functools
import threading

import pytest
from cryptography.fernet import Fernet

# Keys for this run only, set before any app is built so nothing is written to instance/.
os.environ.setdefault("SECRET_KEY", "test-" + Fernet.generate_key().decode())
os.environ.setdefault("ONCORD_ENCRYPTION_KEYS", Fernet.generate_key().decode())

from flask.globals import _cv_app  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

from oncord import create_app  # noqa: E402
from oncord.extensions import db as _db  # noqa: E402
from oncord.models import Role, User  # noqa: E402
from tests import pages, services  # noqa: E402

pytest_plugins = ["tests.fixtures.sandbox", "tests.fixtures.messaging"]


@pytest.fixture(scope="session")
def redis_url():
    with services.test_redis() as url:
        yield url


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    with services.test_database(tmp_path_factory.mktemp("db")) as (url, options):
        yield url, options


@pytest.fixture(scope="session")
def app(database, redis_url):
    """One app for the run, its schema built by the real migrations."""
    from flask_migrate import upgrade

    url, engine_options = database
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "REDIS_URL": redis_url,
        "RQ_DASHBOARD_REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "RQ_QUEUE_PREFIX": "oncord-test",
        "SERVER_NAME": None,
        # The sandbox's limit is off in tests; so is most of the client's own budget.
        "CLINIKO_CLIENT_OPTIONS": {"rate_limit": 100_000, "rate_burst": 1_000},
    })
    app.test_client_class = RequestPerContextClient
    with app.app_context():
        upgrade()
    return app


@pytest.fixture
def db(app, redis_url):
    """A clean database and Redis for each test, inside an app context."""
    from oncord.queues import redis_connection

    with app.app_context():
        redis_connection().flushdb()
        yield _db
        _db.session.remove()
        for table in reversed(_db.metadata.sorted_tables):
            _db.session.execute(table.delete())
        _db.session.commit()
        redis_connection().flushdb()


class RequestPerContextClient(FlaskClient):
    """Each request gets its own app context, as in production.

    Tests hold an app context for `db`; without this, requests would reuse it and
    share `g` (Flask-Login's user, Flask-WTF's token) across requests and clients.
    """

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def make_user(db):
    """Create a user quickly (hashing a real password once per test is enough)."""
    from tests.factories import UserFactory

    def make(role: Role | str = Role.STAFF, **fields) -> User:
        user = UserFactory(role=Role(role).value, **fields)
        db.session.commit()
        return user

    return make


@pytest.fixture
def login_as(client, make_user):
    """Sign the test client in as a new user of `role` (no password round-trip)."""

    def login(role: Role | str = Role.STAFF, **fields) -> User:
        from oncord import accounts

        user = make_user(role, **fields)
        session_id = accounts.start_session(user)
        _db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
        return user

    return login


@pytest.fixture
def csrf_token(client):
    """The session's CSRF token, read from a rendered page as a browser would."""
    return functools.partial(pages.csrf_token_of, client)


@pytest.fixture(scope="session")
def live_server(app):
    """The real app served over HTTP on a free port, for browser tests."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", services.free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def run_jobs(app, db):
    """Run queued jobs now, in this process (scheduled ones too when `include_scheduled`)."""
    from rq import SimpleWorker

    from oncord.queues import all_queues, redis_connection

    def run(include_scheduled: bool = False, due_by=None) -> None:
        """`include_scheduled`: every scheduled job; `due_by` (a datetime): those due by then."""
        queues = all_queues()
        if include_scheduled or due_by is not None:
            for queue in queues:
                registry = queue.scheduled_job_registry
                ids = registry.get_jobs_to_schedule(int(due_by.timestamp())) if due_by else registry.get_job_ids()
                for job_id in ids:
                    job = queue.fetch_job(job_id)
                    registry.remove(job_id)
                    if job is not None:
                        queue.enqueue_job(job)
        SimpleWorker(queues, connection=redis_connection()).work(burst=True, with_scheduler=False)
        _db.session.expire_all()

    return run


@pytest.fixture
def start_worker(app, database, redis_url):
    """Start real `python worker.py` processes on this run's database and Redis, as `make run` does."""
    import subprocess
    import sys
    from pathlib import Path
    from urllib.parse import quote

    url, options = database
    search_path = options.get("connect_args", {}).get("options")
    procs = []

    def start(**env) -> subprocess.Popen:
        full_env = {**os.environ, "REDIS_URL": redis_url, "ONCORD_QUEUE_PREFIX": app.config["RQ_QUEUE_PREFIX"],
                    "DATABASE_URL": f"{url}?options={quote(search_path)}" if search_path else url,
                    "LOG_LEVEL": "WARNING", **{k: str(v) for k, v in env.items()}}
        # Its own process group: the worker forks a scheduler and work horses, all stopped together.
        proc = subprocess.Popen([sys.executable, "worker.py"], cwd=Path(__file__).resolve().parent.parent,
                                env=full_env, start_new_session=True)
        procs.append(proc)
        return proc

    yield start
    import signal

    for proc in procs:
        horses = services.process_tree(proc.pid)  # before they are orphaned
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        # Whatever outlived the stop (the scheduler child, a busy work horse in its own process
        # group) would go on writing to the next test's Redis: end it.
        for kill in (lambda: os.killpg(proc.pid, signal.SIGKILL), *(lambda p=p: os.kill(p, signal.SIGKILL) for p in horses)):
            try:
                kill()
            except ProcessLookupError:
                pass


@pytest.fixture
def worker_process(start_worker):
    return start_worker()


@pytest.fixture
def connected(db, sandbox):
    """oncord connected to the test sandbox, as the settings form would do it."""
    from oncord.sync import connection as connections

    connection = connections.connect(sandbox.api_key, base_url=sandbox.base_url, subdomain="demo-clinic")
    db.session.commit()
    return connection
