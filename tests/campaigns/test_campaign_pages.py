"""Marketing > Campaigns pages: sign-in, CSRF, the editor's checks, test sends, send, pause, cancel, progress."""
from __future__ import annotations

import html as html_lib

from sqlalchemy import select

from oncord.campaigns import scheduling, sending
from oncord.models import Campaign, CampaignStatus, Message, MessageTemplate, Role
from tests.campaigns.campaign_fixtures import campaign_of, provider  # noqa: F401  (fixtures)
from tests.messaging.recording_channel import calls

EMAIL = {"name": "Winter check-ups", "channel": "email", "subject": "Hi {{ contact.first_name }}",
         "preheader": "Book now", "body": "Hello **{{ contact.first_name | default(\"there\") }}**"}


def page(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def test_campaign_pages_need_sign_in(client, db, make_user, campaign_of):
    make_user(Role.ADMIN)
    campaign = campaign_of()
    for path in ("/marketing/campaigns/", "/marketing/campaigns/new", f"/marketing/campaigns/{campaign.id}/results"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get(f"/marketing/campaigns/{campaign.id}/progress", headers={"HX-Request": "true"}).status_code == 401
    assert client.post(f"/marketing/campaigns/{campaign.id}/send").status_code in (302, 400, 401)
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.DRAFT.value


def test_the_list_is_in_the_sidebar_and_shows_each_campaign(client, db, login_as, campaign_of):
    login_as()
    campaign_of(name="Flu season")
    listing = page(client.get("/marketing/campaigns/"))
    assert 'href="/marketing/campaigns/"' in listing and "Flu season" in listing and "Draft" in listing


def test_create_an_email_campaign_and_refuse_a_broken_one(client, db, login_as, csrf_token):
    user = login_as()
    token = csrf_token("/marketing/campaigns/")
    assert client.post("/marketing/campaigns/new", data=EMAIL).status_code == 400  # no CSRF token
    response = client.post("/marketing/campaigns/new", data={"csrf_token": token, **EMAIL})
    campaign = db.session.scalars(select(Campaign)).one()
    assert response.status_code == 302 and response.headers["Location"] == f"/marketing/campaigns/{campaign.id}/"
    assert (campaign.name, campaign.channel, campaign.created_by_user_id) == ("Winter check-ups", "email", user.id)
    broken = client.post(f"/marketing/campaigns/{campaign.id}/",
                         data={"csrf_token": token, **EMAIL, "subject": "", "body": "Hi {{ contact.frist_name }}"})
    text = page(broken)
    assert broken.status_code == 422
    assert "An email needs a subject." in text and "There is no merge field called “contact.frist_name”." in text
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).body == EMAIL["body"]


def test_start_from_a_saved_template(client, db, login_as):
    login_as()
    template = MessageTemplate(name="Recall", channel="email", kind="marketing", subject="Come back",
                               body="We miss you, {{ contact.first_name }}")
    db.session.add(template)
    db.session.commit()
    text = page(client.get("/marketing/campaigns/new?channel=email"))
    assert "Start from a saved template" in text and "Recall" in text
    filled = page(client.get(f"/marketing/campaigns/new?channel=email&template_id={template.id}"))
    assert 'value="Come back"' in filled and "We miss you, {{ contact.first_name }}" in filled


def test_the_sms_preview_counts_characters_and_segments(client, db, login_as, csrf_token):
    login_as()
    token = csrf_token("/marketing/campaigns/")
    response = client.post("/marketing/campaigns/preview", headers={"HX-Request": "true"},
                           data={"csrf_token": token, "channel": "sms", "name": "x", "body": "A" * 150})
    text = page(response)
    assert "SMS" in text and 'id="sms-count"' in text
    assert "Reply STOP to opt out" in text and "2 SMS" in text  # the opt-out wording pushes it past 160


def test_send_a_test_to_yourself(client, db, login_as, csrf_token, campaign_of, provider, sender_identity):
    user = login_as(email="ana@clinic.example")
    campaign = campaign_of()
    token = csrf_token("/marketing/campaigns/")
    response = client.post(f"/marketing/campaigns/{campaign.id}/test", data={"csrf_token": token, "to": user.email})
    assert response.status_code == 302
    assert [c["to"] for c in calls(provider)] == ["ana@clinic.example"]
    message = db.session.scalar(select(Message))
    assert message.kind == "test" and message.subject.startswith("[Test] Time for a check-up")
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.DRAFT.value  # nothing else happened


def test_send_now_then_progress_polls_until_finished(client, db, login_as, csrf_token, campaign_of, person, provider,
                                                     sender_identity, run_jobs):
    login_as()
    person(first_name="Ana", email="ana@mail.example")
    db.session.commit()
    campaign = campaign_of()
    token = csrf_token("/marketing/campaigns/")
    response = client.post(f"/marketing/campaigns/{campaign.id}/send", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/{campaign.id}/results")
    polling = page(client.get(f"/marketing/campaigns/{campaign.id}/progress", headers={"HX-Request": "true"}))
    assert 'hx-trigger="every 2s"' in polling
    run_jobs()
    done = page(client.get(f"/marketing/campaigns/{campaign.id}/progress", headers={"HX-Request": "true"}))
    assert "hx-trigger" not in done and "Finished" in done and 'id="count-sent">1<' in done
    assert f"/marketing/messages/?source=campaign&amp;source_id={campaign.id}" in done.replace("&", "&amp;") \
        or f"source_id={campaign.id}" in done
    # Marketing > Messages narrowed to this campaign
    messages = page(client.get(f"/marketing/messages/?source=campaign&source_id={campaign.id}"))
    assert "ana@mail.example" in messages or "Ana" in messages
    other = page(client.get(f"/marketing/messages/?source=campaign&source_id={campaign.id + 1}"))
    assert "Ana" not in other
    # sending twice is refused
    again = client.post(f"/marketing/campaigns/{campaign.id}/send", data={"csrf_token": token})
    assert again.status_code == 302 and len(calls(provider)) == 1


def test_pause_resume_and_cancel_from_the_page(client, db, login_as, csrf_token, campaign_of, person, provider,
                                               sender_identity):
    login_as(name="Ana Staff")
    person(first_name="Ana", email="ana@mail.example")
    db.session.commit()
    campaign = campaign_of()
    sending.start_now(campaign)
    db.session.commit()
    token = csrf_token("/marketing/campaigns/")
    client.post(f"/marketing/campaigns/{campaign.id}/pause", data={"csrf_token": token})
    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign.id)
    assert campaign.status == "paused" and campaign.paused_reason == "Paused by Ana Staff."
    shown = page(client.get(f"/marketing/campaigns/{campaign.id}/results"))
    assert "Paused by Ana Staff." in shown and 'id="resume"' in shown
    client.post(f"/marketing/campaigns/{campaign.id}/resume", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == "sending"
    assert scheduling.batch_running(campaign.id)
    client.post(f"/marketing/campaigns/{campaign.id}/cancel", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == "cancelled"
    assert calls(provider) == []


def test_schedule_from_the_page_in_clinic_time(client, db, login_as, csrf_token, campaign_of):
    login_as()
    campaign = campaign_of()
    token = csrf_token("/marketing/campaigns/")
    past = client.post(f"/marketing/campaigns/{campaign.id}/schedule",
                       data={"csrf_token": token, "send_date": "2020-01-01", "send_time": "09:00"})
    assert past.status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == "draft"
    client.post(f"/marketing/campaigns/{campaign.id}/schedule",
                data={"csrf_token": token, "send_date": "2099-01-05", "send_time": "09:00"})
    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign.id)
    assert campaign.status == "scheduled" and campaign.send_at.isoformat() == "2099-01-04T22:00:00+00:00"
    client.post(f"/marketing/campaigns/{campaign.id}/unschedule", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == "draft"


def test_a_draft_can_be_deleted_a_sent_campaign_cannot(client, db, login_as, csrf_token, campaign_of):
    login_as()
    draft, started = campaign_of(name="Draft"), campaign_of(name="Started")
    sending.start_now(started)
    db.session.commit()
    token = csrf_token("/marketing/campaigns/")
    assert client.post(f"/marketing/campaigns/{draft.id}/delete", data={"csrf_token": token}).status_code == 302
    client.post(f"/marketing/campaigns/{started.id}/delete", data={"csrf_token": token})
    db.session.expire_all()
    assert [c.name for c in db.session.scalars(select(Campaign))] == ["Started"]


def test_a_campaign_message_links_back_to_its_campaign(client, db, login_as, campaign_of, person, provider,
                                                        sender_identity):
    login_as()
    person(first_name="Ana", email="ana@mail.example")
    db.session.commit()
    campaign = campaign_of()
    sending.start_now(campaign)
    db.session.commit()
    sending.send_batch(campaign.id)
    message = db.session.scalar(select(Message))
    shown = page(client.get(f"/marketing/messages/{message.id}"))
    assert f'href="/marketing/campaigns/{campaign.id}/results"' in shown


def test_the_audience_is_saved_with_the_campaign_and_bad_conditions_are_refused(client, db, login_as, csrf_token):
    login_as()
    token = csrf_token("/marketing/campaigns/")
    bad = client.post("/marketing/campaigns/new", data={"csrf_token": token, **EMAIL,
                                                        "aud_last_appointment_months": "six"})
    assert bad.status_code == 422 and "Check the audience conditions below." in page(bad)
    assert 'value="six"' in page(bad)  # what was typed comes back to be fixed
    assert db.session.scalars(select(Campaign)).first() is None
    good = client.post("/marketing/campaigns/new", data={"csrf_token": token, **EMAIL, "aud_upcoming": "none",
                                                         "aud_last_appointment_months": "6"})
    assert good.status_code == 302
    campaign = db.session.scalars(select(Campaign)).one()
    from oncord.campaigns.conditions import Conditions

    saved = Conditions.from_json(campaign.conditions)
    assert (saved.upcoming, saved.last_appointment_months) == ("none", 6)
    editor = page(client.get(f"/marketing/campaigns/{campaign.id}/"))
    assert 'name="aud_last_appointment_months"' in editor and 'value="6"' in editor
