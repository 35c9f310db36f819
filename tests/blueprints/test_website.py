"""Website > Pages: create, edit, save (with its lock), publish, delete, and the editor's HTMX calls."""
import io
import json

from oncord.models import ClinikoConnection, Page, Role
from tests.factories import PageFactory
from tests.website.cliniko_samples import CLINIKO_EMBED, CLINIKO_SRC


def _save(client, token, page, blocks, version=None, **fields):
    data = {"csrf_token": token, "title": page.title, "slug": page.slug, "blocks": json.dumps(blocks),
            "version": version if version is not None else page.version, **fields}
    return client.post(f"/website/pages/{page.id}/", data=data)


def test_staff_see_pages_in_the_nav_and_create_one(client, db, login_as, csrf_token):
    login_as(Role.STAFF)
    assert "/website/pages/" in client.get("/dashboard").get_data(as_text=True)
    token = csrf_token("/website/pages/")
    response = client.post("/website/pages/", data={"csrf_token": token, "title": "Book Now", "slug": ""})
    page = db.session.query(Page).one()
    assert response.status_code == 302 and response.headers["Location"] == f"/website/pages/{page.id}/"
    assert page.slug == "book-now" and not page.published
    editor = client.get(f"/website/pages/{page.id}/").get_data(as_text=True)
    assert 'data-type="embed"' in editor and "sortable-1.15.7.min.js" in editor and "page-editor.js" in editor


def test_clashing_slugs_are_refused(client, db, login_as, csrf_token):
    login_as()
    PageFactory(slug="about")
    db.session.commit()
    token = csrf_token("/website/pages/")
    for slug, message in [("about", "Another page"), ("login", "used by oncord"), ("contacts", "used by oncord")]:
        response = client.post("/website/pages/", data={"csrf_token": token, "title": "X", "slug": slug})
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.query(Page).count() == 1


def test_reordered_blocks_are_saved_and_reloaded_in_order(client, db, login_as, csrf_token):
    login_as()
    page = PageFactory(blocks=[])
    db.session.commit()
    token = csrf_token(f"/website/pages/{page.id}/")
    blocks = [{"type": "heading", "text": "First", "level": 1}, {"type": "text", "text": "Second"},
              {"type": "embed", "code": CLINIKO_EMBED}]
    assert _save(client, token, page, blocks).status_code == 302
    reordered = [blocks[2], blocks[0], blocks[1]]
    assert _save(client, token, page, reordered, version=2).status_code == 302
    db.session.refresh(page)
    assert [b["type"] for b in page.blocks] == ["embed", "heading", "text"]
    html = client.get(f"/website/pages/{page.id}/").get_data(as_text=True).split('id="canvas"')[1]
    assert html.index('data-type="embed"') < html.index('data-type="heading"') < html.index('data-type="text"')
    assert html.index("First") < html.index("Second")


def test_the_second_of_two_saves_is_told_the_page_changed(client, app, db, login_as, csrf_token):
    login_as()
    page = PageFactory(blocks=[])
    db.session.commit()
    other = app.test_client()
    with other.session_transaction() as session:
        session["_user_id"] = client_user_id(client)  # the same colleague on a second device is enough
        session["_fresh"] = True
    mine, theirs = csrf_token(f"/website/pages/{page.id}/"), _token(other, f"/website/pages/{page.id}/")
    first = _save(other, theirs, page, [{"type": "text", "text": "Theirs"}], version=1)
    assert first.status_code == 302
    second = _save(client, mine, page, [{"type": "text", "text": "Mine"}], version=1)
    assert second.status_code == 409
    assert "Someone else saved this page" in second.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Page, page.id).blocks == [{"type": "text", "text": "Theirs"}]


def client_user_id(client):
    with client.session_transaction() as session:
        return session["_user_id"]


def _token(client, path):
    from tests.pages import csrf_token_of
    return csrf_token_of(client, path)


def test_save_cleans_blocks_server_side(client, db, login_as, csrf_token):
    login_as()
    page = PageFactory(blocks=[])
    db.session.commit()
    token = csrf_token(f"/website/pages/{page.id}/")
    forged = [{"type": "embed", "code": "<p>Hi</p><script>alert(1)</script>", "kind": "cliniko"}]
    assert _save(client, token, page, forged).status_code == 302
    db.session.refresh(page)
    assert page.blocks[0]["code"] == "<p>Hi</p>" and page.blocks[0]["kind"] == "html"
    bad = _save(client, token, page, [{"type": "image", "url": "http://x.example/a.png"}])
    assert bad.status_code == 422 and "Image #1" in bad.get_data(as_text=True)


def test_a_refused_save_shows_the_posted_blocks_cleaned(client, db, login_as, csrf_token):
    login_as()
    page = PageFactory(blocks=[])
    db.session.commit()
    token = csrf_token(f"/website/pages/{page.id}/")
    posted = [{"type": "button", "label": "Click me", "url": "javascript:alert(1)", "style": "primary"},
              {"type": "booknow", "label": "Book", "url": "JavaScript:alert(2)", "style": "primary"},
              {"type": "image", "url": "javascript:alert(3)", "alt": "x"},
              {"type": "embed", "code": '<p>Map</p><img src="x" onerror="alert(4)"><script>alert(5)</script>'},
              {"type": "heading", "text": "Opening hours", "level": 2, "onclick": "alert(6)"}]
    for refused in (_save(client, token, page, posted, title=""),  # refused by the form
                    _save(client, token, page, posted)):  # refused by the block rules
        html = refused.get_data(as_text=True)
        assert refused.status_code == 422
        assert "alert(" not in html and "javascript:" not in html.lower() and "onclick" not in html
        assert "Click me" in html and "Map" in html and "Opening hours" in html  # still there to fix
    stale = _save(client, token, page, posted, version=page.version + 5)
    assert stale.status_code == 409 and "javascript:" not in stale.get_data(as_text=True).lower()


def test_publish_unpublish_and_delete_with_confirm(client, db, login_as, csrf_token):
    login_as()
    page = PageFactory(slug="about")
    db.session.commit()
    token = csrf_token("/website/pages/")
    client.post(f"/website/pages/{page.id}/publish", data={"csrf_token": token, "published": "y"})
    db.session.refresh(page)
    assert page.published
    client.post(f"/website/pages/{page.id}/publish", data={"csrf_token": token, "published": ""})
    db.session.refresh(page)
    assert not page.published
    confirm = client.get(f"/website/pages/{page.id}/delete")
    assert confirm.status_code == 200 and "Delete page" in confirm.get_data(as_text=True)
    assert db.session.query(Page).count() == 1  # asking is not deleting
    client.post(f"/website/pages/{page.id}/delete", data={"csrf_token": token})
    assert db.session.query(Page).count() == 0


def test_new_block_settings_and_apply(client, db, login_as, csrf_token):
    login_as()
    token = csrf_token("/website/pages/")
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    new = client.post("/website/blocks/new", data={"type": "embed"}, headers=headers).get_data(as_text=True)
    assert 'data-type="embed"' in new and "Empty" in new
    block = json.dumps({"type": "embed", "code": ""})
    form = client.post("/website/blocks/settings", data={"block": block}, headers=headers).get_data(as_text=True)
    assert 'name="code"' in form and "Apply" in form
    applied = client.post("/website/blocks/apply", data={"type": "embed", "code": CLINIKO_EMBED}, headers=headers)
    html = applied.get_data(as_text=True)
    assert applied.status_code == 200 and "is-selected" in html and CLINIKO_SRC in html
    assert "Cliniko booking embed recognised" in html
    cleaned = client.post("/website/blocks/apply", data={"type": "embed", "code": "<p onclick='x()'>Hi</p><script>1</script>"},
                          headers=headers).get_data(as_text=True)
    assert "Removed for safety: onclick event handler, &lt;script&gt;" in cleaned
    refused = client.post("/website/blocks/apply", data={"type": "embed", "code": "<iframe src='http://x.example'></iframe>"},
                          headers=headers)
    assert refused.headers["HX-Retarget"] == "#block-settings" and "https" in refused.get_data(as_text=True)


def test_book_now_button_warns_without_a_booking_url(client, db, login_as, csrf_token):
    login_as()
    headers = {"HX-Request": "true", "X-CSRFToken": csrf_token("/website/pages/")}
    html = client.post("/website/blocks/new", data={"type": "booknow"}, headers=headers).get_data(as_text=True)
    assert "No booking address" in html
    db.session.add(ClinikoConnection(booking_url="https://my-org.au1.cliniko.com/bookings"))
    db.session.commit()
    html = client.post("/website/blocks/new", data={"type": "booknow"}, headers=headers).get_data(as_text=True)
    assert "No booking address" not in html and 'href="https://my-org.au1.cliniko.com/bookings"' in html


def test_create_a_book_now_page_from_integrations(client, db, login_as, csrf_token):
    login_as(Role.ADMIN)
    db.session.add(ClinikoConnection(booking_embed_code=CLINIKO_EMBED, account_name="Harbour Physio"))
    db.session.commit()
    assert "Create a Book Now page" in client.get("/settings/integrations/").get_data(as_text=True)
    token = csrf_token("/settings/integrations/")
    response = client.post("/website/pages/book-now", data={"csrf_token": token})
    page = db.session.query(Page).one()
    assert response.headers["Location"] == f"/website/pages/{page.id}/"
    assert page.slug == "book-now" and [b["type"] for b in page.blocks] == ["heading", "text", "embed"]
    again = client.post("/website/pages/book-now", data={"csrf_token": token}, follow_redirects=True)
    assert {p.slug for p in db.session.query(Page)} == {"book-now"}  # opened, not /book-now-2
    assert again.request.path == f"/website/pages/{page.id}/"
    assert "You already have a Book Now page at /book-now" in again.get_data(as_text=True)


def test_publishing_links_to_the_live_page_by_its_full_address(client, db, login_as, csrf_token):
    login_as()
    page = PageFactory(slug="book-now")
    db.session.commit()
    token = csrf_token("/website/pages/")
    editor = client.post(f"/website/pages/{page.id}/publish", data={"csrf_token": token, "published": "y"},
                         follow_redirects=True).get_data(as_text=True)
    link = '<a href="http://localhost/book-now" target="_blank" rel="noopener">http://localhost/book-now</a>'
    assert f"Published at {link}." in editor  # the flash
    assert f"Visitors see this page at {link}" in editor  # and the editor, for as long as it is live
    client.post(f"/website/pages/{page.id}/publish", data={"csrf_token": token, "published": ""})
    assert "Visitors see this page at" not in client.get(f"/website/pages/{page.id}/").get_data(as_text=True)


def test_staff_pages_are_never_framed(client, login_as):
    login_as()
    response = client.get("/website/pages/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/login").headers["X-Frame-Options"] == "DENY"


def test_jobs_dashboard_still_works_with_the_headers(client, login_as):
    login_as(Role.ADMIN)
    response = client.get("/jobs/")
    assert response.status_code == 200 and response.headers["X-Frame-Options"] == "DENY"
    assert client.get("/jobs/0/data/queues.json").status_code == 200


def test_the_editor_lists_the_sites_its_embeds_load_from(client, db, login_as, csrf_token):
    login_as()
    page = PageFactory(blocks=[{"type": "embed", "code": CLINIKO_EMBED, "kind": "cliniko", "removed": []},
                               {"type": "embed", "kind": "html", "removed": [],
                                "code": '<iframe src="https://www.google.com/maps/embed"></iframe>'},
                               {"type": "heading", "text": "Find us", "level": 2}])
    db.session.commit()
    html = client.get(f"/website/pages/{page.id}/").get_data(as_text=True)
    panel = html.split('id="embedded-hosts"', 1)[1].split("</section>", 1)[0]
    assert "<li>my-org.au3.cliniko.com</li><li>www.google.com</li>" in panel and " hidden" not in panel.split(">")[0]
    assert "Shows content from www.google.com" in html  # on the element itself too
    token = csrf_token(f"/website/pages/{page.id}/")
    applied = client.post("/website/blocks/apply", headers={"HX-Request": "true", "X-CSRFToken": token}, data={
        "type": "embed", "code": '<iframe src="https://player.video.example/1"></iframe>'}).get_data(as_text=True)
    assert "data-hosts='[\"player.video.example\"]'" in applied and "Shows content from player.video.example" in applied
    plain = PageFactory(blocks=[{"type": "heading", "text": "Hi", "level": 2}])
    db.session.commit()
    assert 'id="embedded-hosts" aria-labelledby="hosts-heading" hidden' in client.get(
        f"/website/pages/{plain.id}/").get_data(as_text=True)


def test_blocks_posted_as_a_file_are_refused_with_400(client, db, login_as, csrf_token):
    login_as()
    page = PageFactory(blocks=[{"type": "heading", "text": "Kept", "level": 2}])
    db.session.commit()
    token = csrf_token(f"/website/pages/{page.id}/")
    response = client.post(f"/website/pages/{page.id}/", content_type="multipart/form-data", data={
        "csrf_token": token, "title": page.title, "slug": page.slug, "version": page.version,
        "blocks": (io.BytesIO(b'[{"type": "text", "text": "from a file"}]'), "blocks.json")})
    assert response.status_code == 400 and "not as an uploaded file" in response.get_data(as_text=True)
    db.session.refresh(page)
    assert page.blocks == [{"type": "heading", "text": "Kept", "level": 2}]


def test_an_oversized_page_is_refused_without_echoing_it(client, db, login_as, csrf_token):
    login_as()
    page = PageFactory(blocks=[{"type": "heading", "text": "Kept", "level": 2}])
    db.session.commit()
    token = csrf_token(f"/website/pages/{page.id}/")
    huge = [{"type": "text", "text": "x" * 5 * 1024 * 1024}]  # 5 MB: once answered with 15 MB
    response = _save(client, token, page, huge)
    html = response.get_data(as_text=True)
    assert response.status_code == 413 and len(html) < 100_000
    assert "This page is too large (5,121 KB); the limit is 512 KB" in html and "not saved" in html
    assert "Kept" in html  # the saved page, for the editor to carry on from
    # Under the request cap but over the page cap once cleaned: 100 embeds of 10,000 characters.
    many = [{"type": "embed", "code": f"<p>{'x' * 9_993}</p>"} for _ in range(100)]
    response = _save(client, token, page, many)
    html = response.get_data(as_text=True)
    assert response.status_code == 413 and len(html) < 100_000
    assert "This page is too large (982 KB); the limit is 512 KB" in html
    db.session.refresh(page)
    assert page.blocks == [{"type": "heading", "text": "Kept", "level": 2}] and page.version == 1
    assert 'data-max-bytes="524288"' in html  # the editor checks the same limit before sending


def test_the_editors_round_trips_refuse_more_than_one_elements_worth(client, db, login_as, csrf_token):
    login_as()
    token = csrf_token("/website/pages/")
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    huge = "x" * 1024 * 1024
    assert client.post("/website/blocks/apply", headers=headers, data={"type": "text", "text": huge}).status_code == 413
    assert client.post("/website/blocks/settings", headers=headers,
                       data={"block": json.dumps({"type": "text", "text": huge})}).status_code == 413
    embed = client.post("/website/blocks/apply", headers=headers, data={"type": "embed", "code": "<p>" + "x" * 9_990 + "</p>"})
    assert embed.status_code == 200  # the largest real element still passes
