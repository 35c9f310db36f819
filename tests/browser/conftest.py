"""Playwright on Debian's chromium (never a downloaded browser), against `live_server`."""
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, db):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    # A loaded CI machine may take more than expect()'s 5 s to answer a debounced HTMX request.
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """Save a screenshot under tests/artifacts/ (git-ignored) for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def sign_in(page, make_user):
    """Make a user of `role` and sign in through the login form."""
    from tests.factories import TEST_PASSWORD

    def sign(role: str = "staff", email: str = "sam@clinic.example", name: str = "Sam Lee"):
        user = make_user(role, email=email, name=name)
        page.goto("/login")
        page.fill("#email", email)
        page.fill("#password", TEST_PASSWORD)
        page.click("button:has-text('Sign in')")
        return user

    return sign
