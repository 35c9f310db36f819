"""The RQ dashboard at /jobs/: admins only, this install's queues only, job actions by POST with CSRF."""
import re

from rq import Queue, Worker
from rq.job import Job, JobStatus

from oncord.models import Role
from oncord.queues import get_queue, redis_connection


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


# Another install sharing this Redis, with its own prefix.
OTHER = "other-clinic:default"


def _other_install_job():
    other = Queue(OTHER, connection=redis_connection())
    failed = other.enqueue("builtins.print", "their patient's name")
    return other, failed


def test_only_this_installs_queues_and_workers_are_listed(client, db, login_as):
    login_as(Role.ADMIN)
    get_queue().enqueue("builtins.print", "ours")
    other, _ = _other_install_job()
    theirs = Worker([other], connection=redis_connection(), name="their-worker")
    theirs.register_birth()
    ours = Worker([get_queue()], connection=redis_connection(), name="our-worker")
    ours.register_birth()
    assert [q["name"] for q in client.get("/jobs/0/data/queues.json").json["queues"]] == ["oncord-test:default"]
    assert [w["name"] for w in client.get("/jobs/0/data/workers.json").json["workers"]] == ["our-worker"]
    for page in ("/jobs/", "/jobs/0/view/workers", client.get("/jobs/0/view/jobs").headers["Location"]):
        html = client.get(page).get_data(as_text=True)
        assert OTHER not in html and "their-worker" not in html


def test_another_installs_queue_and_jobs_are_out_of_reach(client, db, login_as):
    login_as(Role.ADMIN)
    other, job = _other_install_job()
    client.get("/jobs/")
    headers = {"X-CSRFToken": client.get_cookie("_csrf_token", path="/jobs/").value}
    for url in (f"/jobs/0/view/job/{job.id}", f"/jobs/0/data/job/{job.id}.json",
                f"/jobs/0/view/jobs/{OTHER}/queued/8/asc/1", f"/jobs/0/data/jobs/{OTHER}/queued/8/asc/1.json"):
        assert client.get(url).status_code == 404, url
    for url in (f"/jobs/job/{job.id}/delete", f"/jobs/job/{job.id}/requeue", f"/jobs/requeue/{OTHER}",
                f"/jobs/queue/{OTHER}/queued/empty", f"/jobs/queue/{OTHER}/compact"):
        assert client.post(url, headers=headers).status_code == 404, url
    assert other.count == 1 and Job.fetch(job.id, connection=redis_connection()).args == ("their patient's name",)
    ours = get_queue().enqueue("builtins.print", "ours")
    assert client.get(f"/jobs/0/view/job/{ours.id}").status_code == 200
    assert client.get(f"/jobs/0/data/job/{ours.id}.json").json["origin"] == "oncord-test:default"


def test_unknown_or_malformed_job_ids_answer_404(client, db, login_as):
    login_as(Role.ADMIN)
    client.get("/jobs/")
    headers = {"X-CSRFToken": client.get_cookie("_csrf_token", path="/jobs/").value}
    for job_id in ("no-such-job", "bad%20id", "x" * 300):
        assert client.get(f"/jobs/0/view/job/{job_id}").status_code == 404
        assert client.get(f"/jobs/0/data/job/{job_id}.json").status_code == 404
        assert client.post(f"/jobs/job/{job_id}/delete", headers=headers).status_code == 404
        assert client.post(f"/jobs/job/{job_id}/requeue", headers=headers).status_code == 404


def test_requeueing_a_job_that_did_not_fail_is_refused_not_a_500(client, db, login_as):
    login_as(Role.ADMIN)
    job = get_queue().enqueue("builtins.print", "waiting")
    client.get("/jobs/")
    headers = {"X-CSRFToken": client.get_cookie("_csrf_token", path="/jobs/").value}
    assert client.post(f"/jobs/job/{job.id}/requeue", headers=headers).status_code == 409


def _failed_job():
    job = get_queue().enqueue("builtins.print", "failed once")
    job.set_status(JobStatus.FAILED)
    get_queue().failed_job_registry.add(job, ttl=600)
    return job


def test_requeue_all_refuses_a_plain_get(client, db, login_as):
    login_as(Role.ADMIN)
    job = _failed_job()
    get_queue().remove(job.id)
    assert client.get("/jobs/requeue/oncord-test:default").status_code == 405
    assert get_queue().failed_job_registry.get_job_ids() == [job.id]  # nothing requeued


def test_every_job_action_needs_post_and_the_csrf_token(client, db, login_as):
    login_as(Role.ADMIN)
    job = _failed_job()
    get_queue().remove(job.id)
    client.get("/jobs/")
    token = client.get_cookie("_csrf_token", path="/jobs/").value
    q = "oncord-test:default"
    actions = [f"/jobs/job/{job.id}/requeue", f"/jobs/requeue/{q}", f"/jobs/queue/{q}/compact",
               f"/jobs/queue/{q}/failed/empty", f"/jobs/job/{job.id}/delete"]
    for url in actions:
        assert client.get(url).status_code == 405, url
        assert client.post(url).status_code == 400, url  # no token: refused before anything changes
    assert get_queue().failed_job_registry.get_job_ids() == [job.id] and get_queue().count == 0
    assert client.post(f"/jobs/requeue/{q}", headers={"X-CSRFToken": token}).json == {"status": "OK", "count": 1}
    assert get_queue().job_ids == [job.id]


def test_dashboard_pages_show_oncords_favicon(client, db, login_as):
    login_as(Role.ADMIN)
    html = client.get("/jobs/").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)"', html).group(1)
    assert icon == "/static/favicon.svg"
    assert client.get(icon).status_code == 200
    assert "favicon.ico" not in html


def test_bad_list_names_page_numbers_and_instances_answer_404(client, db, login_as):
    login_as(Role.ADMIN)
    q = "oncord-test:default"
    for url in (f"/jobs/0/data/jobs/{q}/nonsense/8/asc/1.json", f"/jobs/0/data/jobs/{q}/queued/abc/asc/1.json",
                f"/jobs/0/data/jobs/{q}/queued/0/asc/1.json", f"/jobs/0/data/jobs/{q}/queued/8/asc/x.json",
                f"/jobs/0/view/jobs/{q}/nonsense/8/asc/1", "/jobs/5/view/queues", "/jobs/5/data/queues.json"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/jobs/0/data/jobs/{q}/failed/8/dsc/1.json").status_code == 200
