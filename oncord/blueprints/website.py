"""Website > Pages: the page list and the block editor (staff)."""
from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, url_for
from flask_login import current_user
from htmx_flask import request
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge

from oncord.blueprints.public_site import render_site_page
from oncord.extensions import db
from oncord.forms.website import NewPageForm, PageForm
from oncord.sync.connection import get_connection
from oncord.website import blocks, pages

bp = Blueprint("website", __name__, url_prefix="/website")
# A save carries the page as form-encoded JSON, which can take three times its stored size.
MAX_SAVE_BYTES = 4 * blocks.MAX_PAGE_BYTES + 64 * 1024
# One element's settings (at most 10,000 characters of embed code) on the editor's round-trips.
MAX_BLOCK_REQUEST_BYTES = 256 * 1024
BLOCK_ENDPOINTS = {"website.new_block", "website.block_settings", "website.apply_block"}


@bp.context_processor
def editor_context():
    return {"block_types_by_name": blocks.BLOCK_TYPES, "levels": blocks.LEVELS, "styles": blocks.STYLES}


@bp.before_request
def cap_block_requests():
    """The editor's round-trips echo what they are sent: refuse (413) more than one element's worth."""
    if request.endpoint in BLOCK_ENDPOINTS and (request.content_length or 0) > MAX_BLOCK_REQUEST_BYTES:
        raise RequestEntityTooLarge()


@bp.errorhandler(pages.PageNotFound)
def page_not_found(error):
    abort(404)


@bp.get("/pages/")
def index():
    return render_template("website/index.html", pages=pages.list_pages(), form=NewPageForm())


@bp.post("/pages/")
def create():
    form = NewPageForm()
    if form.validate_on_submit():
        try:
            page = pages.create_page(form.title.data, form.slug.data or pages.slugify(form.title.data),
                                     _reserved(), user=current_user)
        except pages.PageError as exc:
            _add_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(f"“{page.title}” is ready: add elements, then Save.", "success")
            return redirect(url_for("website.edit", page_id=page.id))
    return render_template("website/index.html", pages=pages.list_pages(), form=form), 422


@bp.get("/pages/<int:page_id>/")
def edit(page_id: int):
    page = pages.get_page(page_id)
    form = PageForm(title=page.title, slug=page.slug, is_home=page.is_home, version=page.version,
                    blocks=json.dumps(page.blocks))
    return _editor(page, form)


@bp.post("/pages/<int:page_id>/")
def save(page_id: int):
    page = pages.get_page(page_id)
    if (request.content_length or 0) > MAX_SAVE_BYTES:  # CSRF checks have read the form already:
        raise RequestEntityTooLarge()  # refuse before anything is echoed back
    if request.files:
        abort(400, "The page's elements must come from the editor as text, not as an uploaded file.")
    form = PageForm()
    if not form.validate_on_submit():
        return _editor(page, form), 422
    try:
        raw_blocks = json.loads(form.blocks.data or "[]")
        pages.save_page(page, expected_version=form.version.data, title=form.title.data, slug=form.slug.data,
                        blocks=raw_blocks, is_home=form.is_home.data, reserved=_reserved(), user=current_user)
    except pages.PageChanged as exc:
        flash("Someone else saved this page after you opened it. Your changes were not saved: "
              "reload the page to see theirs, then make your changes again.", "error")
        return _editor(exc.page, form, conflict=True), 409
    except blocks.PageTooLarge as exc:
        db.session.rollback()
        return _too_large(page_id, exc.size)
    except (ValueError, pages.PageError, blocks.BlockError) as exc:
        _add_errors(form, getattr(exc, "errors", {"blocks": "The page's elements could not be read."}))
        db.session.rollback()
        return _editor(pages.get_page(page_id), form), 422
    db.session.commit()
    flash("Saved." + ("" if page.published else " The page is not published yet."), "success")
    return redirect(url_for("website.edit", page_id=page.id))


@bp.errorhandler(RequestEntityTooLarge)
def save_too_large(error):
    page_id = (request.view_args or {}).get("page_id")
    if request.endpoint != "website.save" or page_id is None:
        return error
    return _too_large(page_id, request.content_length)


def _too_large(page_id: int, size: int | None):
    """The saved page again with the reason, never the oversized post echoed back."""
    page = pages.get_page(page_id)
    form = PageForm(formdata=None, title=page.title, slug=page.slug, is_home=page.is_home, version=page.version,
                    blocks=json.dumps(page.blocks))
    form.blocks.errors = [blocks.too_large_message(size) + " Your changes were not saved."]
    return _editor(page, form), 413


@bp.post("/pages/<int:page_id>/publish")
def publish(page_id: int):
    page = pages.get_page(page_id)
    publish_it = request.form.get("published") == "y"
    pages.set_published(page, publish_it)
    db.session.commit()
    if publish_it:
        flash(Markup('Published at <a href="{0}" target="_blank" rel="noopener">{0}</a>.').format(public_url(page)), "success")
    else:
        flash("Unpublished: visitors no longer see this page.", "success")
    return redirect(request.form.get("next") == "index" and url_for("website.index")
                    or url_for("website.edit", page_id=page.id))


@bp.get("/pages/<int:page_id>/delete")
def confirm_delete(page_id: int):
    return render_template("website/delete.html", page=pages.get_page(page_id))


@bp.post("/pages/<int:page_id>/delete")
def delete(page_id: int):
    page = pages.get_page(page_id)
    pages.delete_page(page)
    db.session.commit()
    flash(f"“{page.title}” is deleted.", "success")
    return redirect(url_for("website.index"))


@bp.get("/pages/<int:page_id>/preview")
def preview(page_id: int):
    return render_site_page(pages.get_page(page_id), preview=True)


@bp.post("/pages/book-now")
def create_book_now_page():
    """From Settings > Integrations: a page with the booking embed (or button), ready to publish."""
    connection = get_connection()
    try:
        content = blocks.book_now_blocks(connection)
    except blocks.BlockError as exc:
        flash(f"The saved embed code cannot be used: {' '.join(exc.errors.values())}", "error")
        return redirect(url_for("integrations.index"))
    if content is None:
        flash("Save your online-bookings URL or embed code first.", "error")
        return redirect(url_for("integrations.index"))
    existing = pages.page_at(pages.BOOK_NOW_SLUG)
    if existing is not None:  # one Book Now page: open it rather than quietly making /book-now-2
        flash(f"You already have a Book Now page at /{existing.slug}: here it is.", "info")
        return redirect(url_for("website.edit", page_id=existing.id))
    reserved = _reserved()
    page = pages.create_page("Book now", pages.free_slug(pages.BOOK_NOW_SLUG, reserved), reserved,
                             user=current_user, blocks=content)
    db.session.commit()
    flash("Your Book Now page is ready. Check it, then Publish.", "success")
    return redirect(url_for("website.edit", page_id=page.id))


# Editor round-trips (HTMX): a new block's preview, a block's settings, Apply.
@bp.post("/blocks/new")
def new_block():
    try:
        block = blocks.new_block(request.form.get("type", ""))
    except blocks.BlockError:
        abort(400)
    return _block(block)


@bp.post("/blocks/settings")
def block_settings():
    block = _posted_block()
    connection = get_connection()
    return render_template("website/_block_settings.html", block=block, errors={},
                           booking_url=connection.booking_url if connection else None)


@bp.post("/blocks/apply")
def apply_block():
    raw = {key: value for key, value in request.form.items() if key != "csrf_token"}
    try:
        block = blocks.clean_block(raw)
    except blocks.BlockError as exc:
        connection = get_connection()
        response = make_response(render_template("website/_block_settings.html", block=raw, errors=exc.errors,
                                                 booking_url=connection.booking_url if connection else None))
        # 200, not 422: htmx 2 swaps no error responses; the headers send the form back to the sidebar.
        response.headers["HX-Retarget"] = "#block-settings"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return _block(block, applied=True)


def _block(block: dict, applied: bool = False):
    connection = get_connection()
    return render_template("website/_block.html", block=block, applied=applied,
                           booking_url=connection.booking_url if connection else None)


def _posted_block() -> dict:
    try:
        block = json.loads(request.form.get("block", ""))
    except ValueError:
        abort(400)
    if not isinstance(block, dict) or block.get("type") not in blocks.BLOCK_TYPES:
        abort(400)
    return block


def _editor(page, form, conflict: bool = False):
    try:
        editing = _displayable(json.loads(form.blocks.data or "[]"))
    except (TypeError, ValueError):
        editing = page.blocks
    form.blocks.data = json.dumps(editing)  # what the canvas shows, never the raw post
    connection = get_connection()
    return render_template("website/edit.html", page=page, form=form, blocks_=editing,
                           max_page_bytes=blocks.MAX_PAGE_BYTES, hosts=blocks.embedded_hosts(editing),
                           block_types=blocks.BLOCK_TYPES.values(), conflict=conflict,
                           booking_url=connection.booking_url if connection else None)


def _displayable(items) -> list[dict]:
    """Blocks the editor can show again after a refused save: the browser sent them, so they
    go through the same cleaning as saved blocks before they are rendered."""
    items = items[:blocks.MAX_BLOCKS] if isinstance(items, list) else []
    return [block for block in map(blocks.editable_block, items) if block is not None]


@bp.app_template_global("public_url")
def public_url(page) -> str:
    """The page's full address on the public site, as visitors type it."""
    return url_for("public_site.show", slug=page.slug, _external=True)


def _reserved() -> set[str]:
    return pages.reserved_slugs(current_app.url_map.iter_rules())


def _add_errors(form, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        field = getattr(form, name, None) or getattr(form, "blocks", None) or form.title
        field.errors.append(message)
