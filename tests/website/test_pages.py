"""Pages: slugs, the home page, and the optimistic lock on save."""
import pytest

from oncord.website import pages
from tests.factories import PageFactory


@pytest.fixture
def reserved(app):
    return pages.reserved_slugs(app.url_map.iter_rules())


def test_reserved_slugs_come_from_the_url_map(reserved):
    for slug in ("login", "setup", "healthz", "contacts", "settings", "jobs", "static", "dashboard", "account",
                 "logout", "website", "u"):
        assert slug in reserved
    assert "book-now" not in reserved


@pytest.mark.parametrize("slug,message", [
    ("", "address"), ("Book Now", "lower-case"), ("book--now", "lower-case"), ("-x", "lower-case"),
    ("a/b", "lower-case"), ("x" * 81, "lower-case"), ("login", "used by oncord"), ("dashboard", "used by oncord"),
])
def test_bad_slugs_are_refused(db, reserved, slug, message):
    with pytest.raises(pages.PageError, match=message):
        pages.check_slug(slug, reserved)


def test_slugs_are_unique(db, reserved):
    page = PageFactory(slug="about")
    with pytest.raises(pages.PageError, match="Another page"):
        pages.check_slug("about", reserved)
    assert pages.check_slug("about", reserved, page.id) == "about"
    assert pages.free_slug("About", reserved) == "about-2"
    assert pages.free_slug("Login", reserved) == "login-2"


def test_save_with_a_stale_version_is_refused(db, reserved):
    page = pages.create_page("About", "about", reserved)
    db.session.commit()
    assert page.version == 1
    pages.save_page(page, expected_version=1, title="About us", slug="about", blocks=[], is_home=False, reserved=reserved)
    db.session.commit()
    assert page.version == 2
    with pytest.raises(pages.PageChanged):
        pages.save_page(page, expected_version=1, title="Mine", slug="about", blocks=[], is_home=False, reserved=reserved)
    db.session.rollback()
    assert pages.get_page(page.id).title == "About us"


def test_one_home_page_at_a_time(db, reserved):
    first = PageFactory(is_home=True, published=True)
    second = PageFactory(published=True)
    db.session.commit()
    pages.save_page(second, expected_version=second.version, title=second.title, slug=second.slug, blocks=[],
                    is_home=True, reserved=reserved)
    db.session.commit()
    db.session.refresh(first)
    assert not first.is_home and second.is_home
    assert pages.home_page() == second
