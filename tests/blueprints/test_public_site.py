"""The public site: published pages for anyone, drafts for no one but staff, strict headers."""
import pytest

from oncord.models import ClinikoConnection, Role
from tests.factories import PageFactory
from tests.website.cliniko_samples import CLINIKO_EMBED, CLINIKO_SRC


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)  # past first-run setup


def test_published_pages_render_without_login_with_the_clinic_name(client, db, admin):
    db.session.add(ClinikoConnection(account_name="Harbour Physio", subdomain="harbour", shard="au1"))
    PageFactory(slug="book-now", published=True, blocks=[
        {"type": "heading", "text": "Book online", "level": 1},
        {"type": "embed", "code": CLINIKO_EMBED, "kind": "cliniko", "removed": []}])
    db.session.commit()
    response = client.get("/book-now")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Harbour Physio" in html and "Book online" in html
    assert f'src="{CLINIKO_SRC}"' in html and 'id="cliniko-62506279"' in html and "data-cliniko-embed" in html
    assert "<script type='text/javascript'>" not in html and "handleIFrameMessage" not in html  # ours, not theirs
    assert "/static/cliniko-embed.js" in html


def test_public_headers(client, db, admin):
    db.session.add(ClinikoConnection(subdomain="harbour", shard="au1"))
    PageFactory(slug="about", published=True)
    db.session.commit()
    response = client.get("/about")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy.split("style-src-attr")[0]
    assert "frame-src https: https://harbour.au1.cliniko.com" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "X-Frame-Options" not in response.headers


def test_clinic_name_defaults(client, db, admin):
    PageFactory(slug="about", published=True)
    db.session.commit()
    assert "Our clinic" in client.get("/about").get_data(as_text=True)


def test_unpublished_pages_are_404_but_staff_can_preview(client, db, admin, login_as):
    page = PageFactory(slug="draft", published=False, blocks=[{"type": "text", "text": "Secret draft"}])
    db.session.commit()
    missing = client.get("/draft")
    assert missing.status_code == 404 and "Secret draft" not in missing.get_data(as_text=True)
    assert client.get("/nothing-here").status_code == 404
    assert client.get(f"/website/pages/{page.id}/preview").status_code == 302  # login first
    login_as(Role.STAFF)
    preview = client.get(f"/website/pages/{page.id}/preview")
    assert preview.status_code == 200 and "Secret draft" in preview.get_data(as_text=True)
    assert "frame-ancestors 'none'" in preview.headers["Content-Security-Policy"]
    assert client.get("/draft").status_code == 404  # even for staff, drafts live only in the preview


def test_root_is_a_public_welcome_then_the_home_page_then_dashboard_for_staff(client, db, admin, login_as):
    welcome = client.get("/")
    html = welcome.get_data(as_text=True)
    assert welcome.status_code == 200 and "Our clinic" in html  # never the staff login
    assert "/login" not in html and "Sign in" not in html and "book-now" not in html
    assert "script-src 'self'" in welcome.headers["Content-Security-Policy"]
    PageFactory(slug="welcome", published=True, is_home=True, blocks=[{"type": "heading", "text": "Hello visitors", "level": 1}])
    PageFactory(slug="other", published=False, is_home=False)
    db.session.commit()
    home = client.get("/")
    assert home.status_code == 200 and "Hello visitors" in home.get_data(as_text=True)
    login_as(Role.STAFF)
    assert client.get("/").headers["Location"] == "/dashboard"
    assert client.get("/login").headers["Location"] == "/dashboard"  # the staff login stays at /login


def test_without_a_home_page_root_shows_the_clinic_name_and_book_now(client, db, admin):
    db.session.add(ClinikoConnection(account_name="Harbour Physio", booking_url="https://harbour.au1.cliniko.com/bookings"))
    PageFactory(slug="welcome", published=False, is_home=True, blocks=[{"type": "text", "text": "Unpublished home"}])
    PageFactory(slug="services", title="Services", published=True)
    db.session.commit()
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Unpublished home" not in html
    assert '<h1 class="site-heading">Harbour Physio</h1>' in html
    assert 'href="https://harbour.au1.cliniko.com/bookings"' in html and "Book now" in html
    assert 'href="/services"' in html and "/login" not in html


def test_the_404_page_leads_home_not_to_the_login(client, db, admin):
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and 'href="/"' in missing.get_data(as_text=True)
    home = client.get("/")
    assert home.status_code == 200 and "Location" not in home.headers


def test_oncord_paths_win_over_page_slugs(client, db, admin):
    assert client.get("/login").status_code == 200
    assert client.get("/contacts").status_code in {302, 308}  # to /contacts/ or to login, never a page


def test_book_now_button_links_to_the_booking_url(client, db, admin):
    db.session.add(ClinikoConnection(booking_url="https://harbour.au1.cliniko.com/bookings"))
    PageFactory(slug="book", published=True, blocks=[{"type": "booknow", "label": "Book now", "url": "", "style": "primary"}])
    db.session.commit()
    html = client.get("/book").get_data(as_text=True)
    assert 'href="https://harbour.au1.cliniko.com/bookings"' in html and "Book now" in html


def test_generic_embeds_are_cleaned_again_when_rendered(client, db, admin):
    PageFactory(slug="map", published=True, blocks=[
        {"type": "embed", "kind": "html", "removed": [],
         "code": '<iframe src="https://maps.example/embed"></iframe><script>alert(1)</script>'}])
    db.session.commit()
    html = client.get("/map").get_data(as_text=True)
    assert 'src="https://maps.example/embed"' in html and "alert(1)" not in html


def test_embeds_saved_before_the_change_lose_device_permissions_when_rendered(client, db, admin):
    PageFactory(slug="video", published=True, blocks=[
        {"type": "embed", "kind": "html", "removed": [],
         "code": '<iframe src="https://video.example/1" allow="camera; microphone; geolocation" '
                 'referrerpolicy="unsafe-url"></iframe>'}])
    db.session.commit()
    html = client.get("/video").get_data(as_text=True)
    assert 'src="https://video.example/1"' in html
    assert "camera" not in html and "unsafe-url" not in html and "referrerpolicy" not in html


def test_the_header_links_the_published_pages_home_first(client, db, admin):
    PageFactory(slug="welcome", title="Welcome", published=True, is_home=True)
    PageFactory(slug="services", title="Services", published=True)
    PageFactory(slug="book-now", title="Book now", published=True)
    PageFactory(slug="draft", title="Secret draft", published=False)
    db.session.commit()
    html = client.get("/services").get_data(as_text=True)
    nav = html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    assert [line.strip() for line in nav.split("\n") if "href" in line] == [
        '<a href="/">Welcome</a>', '<a href="/book-now">Book now</a>',
        '<a href="/services" aria-current="page">Services</a>']
    assert "Secret draft" not in client.get("/nothing-here").get_data(as_text=True)
    assert 'href="/services"' in client.get("/nothing-here").get_data(as_text=True)


def test_a_site_of_one_page_has_no_menu(client, db, admin):
    PageFactory(slug="welcome", title="Welcome", published=True, is_home=True)
    PageFactory(slug="draft", title="Draft", published=False)
    db.session.commit()
    assert 'class="site-nav"' not in client.get("/").get_data(as_text=True)
