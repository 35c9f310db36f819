"""The RQ dashboard at /jobs/: admins see it, and its job actions keep CSRF protection."""
from rq import Queue

from oncord.models import Role
from oncord.queues import get_queue


def test_admin_sees_the_rq_dashboard(client, login_as):
    login_as(Role.ADMIN)
    response = client.get("/jobs/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Background jobs" in html and "Queues" in html
    assert "redis://" not in html  # connection details stay off the page


def test_dashboard_lists_our_queue(app, client, db, login_as):
    login_as(Role.ADMIN)
    get_queue().enqueue("builtins.print", "hello")
    data = client.get("/jobs/0/data/queues.json").json
    assert {"name": "oncord-test:default", "count": 1}.items() <= next(
        q for q in data["queues"] if q["name"] == "oncord-test:default").items()


def test_job_actions_need_the_csrf_token_the_dashboard_reads_from_its_cookie(client, db, login_as):
    login_as(Role.ADMIN)
    job = get_queue().enqueue("builtins.print", "x")
    client.get("/jobs/")
    cookie = client.get_cookie("_csrf_token", path="/jobs/")
    assert cookie is not None and not cookie.http_only
    assert client.post(f"/jobs/job/{job.id}/delete").status_code == 400
    assert Queue.fetch_job(get_queue(), job.id) is not None
    assert client.post(f"/jobs/job/{job.id}/delete", headers={"X-CSRFToken": cookie.value}).status_code == 200
    assert Queue.fetch_job(get_queue(), job.id) is None
