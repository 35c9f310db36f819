"""Staff pages refuse any script that is not one of our files (item 24): every page, every answer."""
import base64
import hashlib
import re
from pathlib import Path

import pytest

from oncord.messaging import ledger
from oncord.models import Automation, Campaign, MessageTemplate, Role, Suppression
from oncord.queues import get_queue
from tests.factories import ContactFactory, PageFactory

TEMPLATES = Path(__file__).resolve().parents[2] / "oncord" / "templates"


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def _staff_get_urls(app, ids: dict[str, int]) -> list[str]:
    """Every GET page outside the public site and the RQ dashboard, with ids filled in."""
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.endpoint.split(".")[0] in {
                "public_site", "rq_dashboard"}:
            continue
        if set(rule.arguments) - set(ids):
            pytest.fail(f"no id for {rule.rule}: add it to the test")
        urls.append(adapter.build(rule.endpoint, {name: ids[name] for name in rule.arguments}))
    return urls


def test_every_staff_page_has_a_strict_script_policy(app, client, db, login_as):
    login_as(Role.ADMIN)
    contact, page = ContactFactory(), PageFactory()
    template = MessageTemplate(name="Recall", channel="email", kind="marketing", subject="Hi", body="Hello")
    suppression = Suppression(cliniko_patient_id=1)
    automation = Automation(name="Reminder", trigger="upcoming", offset_minutes=1440)
    campaign = Campaign(name="Winter", channel="email", subject="Hi", body="Hello", conditions={})
    db.session.add_all([template, suppression, automation, campaign])
    db.session.commit()
    message = ledger.record_skip("k", None, channel="sms", contact=contact, kind="factual", source="test", reason="x")
    urls = _staff_get_urls(app, {"contact_id": contact.id, "page_id": page.id, "template_id": template.id, "token": "x",
                                 "message_id": message.id, "suppression_id": suppression.id,
                                 "automation_id": automation.id, "campaign_id": campaign.id, "key": "no_upcoming"})
    assert {"/dashboard", "/contacts/", f"/contacts/{contact.id}", "/settings/integrations/", "/settings/users/",
            f"/website/pages/{page.id}/", f"/marketing/templates/{template.id}/", "/account", "/login"} <= set(urls)
    for url in urls + ["/contacts/999999999", "/no/such/staff/page"]:
        response = client.get(url)
        assert response.status_code < 500, url
        policy = _policy(response)
        assert policy["script-src"] == "'self'", url  # no inline script, no eval, nothing from elsewhere
        assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'", url
        assert policy["frame-ancestors"] == "'none'", url


def test_signed_out_pages_have_it_too(client, db, make_user):
    make_user(Role.ADMIN)
    for url in ("/login", "/dashboard", "/contacts/"):
        policy = _policy(client.get(url))
        assert policy["script-src"] == "'self'" and policy["form-action"] == "'self'", url


def test_the_jobs_dashboard_allows_only_its_own_inline_script_by_hash(client, db, login_as):
    login_as(Role.ADMIN)
    job = get_queue().enqueue("builtins.print", "x")
    for url in ("/jobs/", "/jobs/0/view/workers", "/jobs/0/view/jobs", f"/jobs/0/view/job/{job.id}"):
        response = client.get(url, follow_redirects=True)  # the jobs list opens on this install's queue
        assert response.status_code == 200, url
        scripts = re.findall(r'<script type="text/javascript">(.*?)</script>', response.get_data(as_text=True), re.S)
        hashes = {f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts}
        sources = _policy(response)["script-src"].split()
        assert scripts and hashes <= set(sources), url
        assert set(sources) - hashes == {"'self'", "'unsafe-eval'"}, url  # underscore templates; never unsafe-inline
    data = client.get("/jobs/0/data/queues.json")
    assert _policy(data)["script-src"] == "'self' 'unsafe-eval'"


# rq_dashboard/ holds rq-dashboard's own page (copied for the favicon): its one inline script is
# allowed by hash, checked above on every /jobs/ page.
@pytest.mark.parametrize("template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")
                                            if not p.relative_to(TEMPLATES).as_posix().startswith("rq_dashboard/")))
def test_templates_hold_no_script_the_policy_would_block(template):
    html = (TEMPLATES / template).read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>: move it to a static file"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler: use data-confirm or a static script"
    assert "javascript:" not in html.lower() and "hx-on" not in html and "hx-vars" not in html
