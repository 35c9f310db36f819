"""Website pages: create, save with an optimistic lock, publish, choose the home page."""
from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from oncord.extensions import db
from oncord.models import Page, User
from oncord.website import blocks as block_rules

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 80
# oncord's own first path segments, on top of whatever the URL map holds (`u/` is for unsubscribe links).
RESERVED_SLUGS = {"login", "logout", "setup", "healthz", "contacts", "settings", "jobs", "static", "dashboard",
                  "account", "website", "u", "api", "admin", "favicon.ico", "robots.txt"}
BOOK_NOW_SLUG = "book-now"


class PageNotFound(LookupError):
    pass


class PageError(ValueError):
    """Bad page settings: `errors` maps a field to a message for staff."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class PageChanged(RuntimeError):
    """Someone saved the page after this editor loaded it."""

    def __init__(self, page: Page):
        super().__init__(f"The page was changed by someone else (now version {page.version}).")
        self.page = page


def reserved_slugs(rules: Iterable) -> set[str]:
    """First path segments used by oncord itself: `rules` is `app.url_map.iter_rules()`."""
    found = set(RESERVED_SLUGS)
    for rule in rules:
        first = rule.rule.lstrip("/").split("/", 1)[0]
        if first and "<" not in first:
            found.add(first)
    return found


def list_pages() -> list[Page]:
    return list(db.session.scalars(select(Page).order_by(Page.is_home.desc(), Page.title)))


NAVIGATION_LIMIT = 8


def navigation() -> list[Page]:
    """The published pages a visitor can reach from the site's header: home first, then by title."""
    return list(db.session.scalars(select(Page).where(Page.published.is_(True))
                                   .order_by(Page.is_home.desc(), Page.title).limit(NAVIGATION_LIMIT)))


def get_page(page_id: int) -> Page:
    page = db.session.get(Page, page_id)
    if page is None:
        raise PageNotFound(page_id)
    return page


def published_page(slug: str) -> Page | None:
    return db.session.scalar(select(Page).where(Page.slug == slug, Page.published.is_(True)))


def page_at(slug: str) -> Page | None:
    """The page at `/slug`, published or not."""
    return db.session.scalar(select(Page).where(Page.slug == slug))


def home_page() -> Page | None:
    return db.session.scalar(select(Page).where(Page.is_home.is_(True), Page.published.is_(True)))


def check_slug(slug: str, reserved: set[str], page_id: int | None = None) -> str:
    slug = (slug or "").strip().lower()
    if not slug:
        raise PageError({"slug": "Give the page an address."})
    if len(slug) > MAX_SLUG or not SLUG.match(slug):
        raise PageError({"slug": "Use lower-case letters, digits and single hyphens, e.g. book-now."})
    if slug in reserved:
        raise PageError({"slug": f"/{slug} is used by oncord itself. Choose another address."})
    taken = db.session.scalar(select(Page.id).where(Page.slug == slug, Page.id != (page_id or 0)))
    if taken is not None:
        raise PageError({"slug": f"Another page already lives at /{slug}."})
    return slug


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (title or "").lower()).strip("-")[:MAX_SLUG].strip("-")


def free_slug(base: str, reserved: set[str]) -> str:
    """`base`, or `base-2`, `base-3`… whichever is free."""
    base = slugify(base) or "page"
    candidate, n = base, 1
    while candidate in reserved or db.session.scalar(select(Page.id).where(Page.slug == candidate)) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def create_page(title: str, slug: str, reserved: set[str], *, user: User | None = None,
                blocks: list | None = None) -> Page:
    title = (title or "").strip()
    if not title:
        raise PageError({"title": "Give the page a title."})
    page = Page(title=title[:200], slug=check_slug(slug, reserved), blocks=block_rules.clean_blocks(blocks or []),
                updated_by_id=user.id if user else None)
    db.session.add(page)
    db.session.flush()
    return page


def save_page(page: Page, *, expected_version: int, title: str, slug: str, blocks: list, is_home: bool,
              reserved: set[str], user: User | None = None) -> Page:
    """Store the editor's page; raises PageChanged when `expected_version` is stale."""
    if page.version != expected_version:
        raise PageChanged(page)
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "Give the page a title."
    try:
        slug = check_slug(slug, reserved, page.id)
    except PageError as exc:
        errors.update(exc.errors)
    try:
        cleaned = block_rules.clean_blocks(blocks)
    except block_rules.PageTooLarge:
        raise  # the view answers 413 without echoing the page back
    except block_rules.BlockError as exc:
        errors.update(exc.errors)
    if errors:
        raise PageError(errors)
    page.title, page.slug, page.blocks = title[:200], slug, cleaned
    page.updated_by_id = user.id if user else None
    _set_home(page, is_home)
    try:
        db.session.flush()  # the version column makes this UPDATE … WHERE version = expected
    except StaleDataError as exc:
        db.session.rollback()
        raise PageChanged(get_page(page.id)) from exc
    return page


def set_published(page: Page, published: bool) -> None:
    page.published = published


def delete_page(page: Page) -> None:
    db.session.delete(page)


def _set_home(page: Page, is_home: bool) -> None:
    if is_home and not page.is_home:
        db.session.execute(update(Page).where(Page.id != page.id, Page.is_home.is_(True))
                           .values(is_home=False, version=Page.version + 1))
    page.is_home = is_home
