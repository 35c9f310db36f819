"""A staff member's first minutes with oncord, in a real browser."""
from playwright.sync_api import expect

from oncord.models import Role
from tests.factories import TEST_PASSWORD


def test_first_run_creates_the_admin(page, screenshot):
    page.goto("/")
    assert page.url.endswith("/setup")
    screenshot("setup")
    page.fill("#name", "Dr Ana Ruiz")
    page.fill("#email", "ana@clinic.example")
    page.fill("#password", "long enough pw")
    page.fill("#confirm", "long enough pw")
    page.click("text=Create administrator")
    expect(page.locator("h1")).to_have_text("Welcome, Dr Ana Ruiz")
    expect(page.locator(".flash-success")).to_contain_text("administrator account is ready")
    expect(page.locator("nav")).to_contain_text("Users")
    screenshot("dashboard")


def test_login_dashboard_and_logout(page, make_user, screenshot):
    make_user(Role.STAFF, email="sam@clinic.example", name="Sam Lee")
    page.goto("/dashboard")
    assert "/login" in page.url
    page.fill("#email", "sam@clinic.example")
    page.fill("#password", "wrong password")
    page.click("button:has-text('Sign in')")
    expect(page.locator(".flash-error")).to_contain_text("do not match")
    screenshot("login-error")
    page.fill("#email", "sam@clinic.example")
    page.fill("#password", TEST_PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page.locator("h1")).to_have_text("Welcome, Sam Lee")
    expect(page.locator(".summary-list li")).to_have_count(3)  # staff: the clinic's state, no setup steps
    expect(page.locator(".checklist")).to_have_count(0)
    expect(page.locator("nav")).not_to_contain_text("Users")  # staff see no admin areas
    page.click("text=Sign out")
    expect(page.locator(".flash-info")).to_have_text("You are signed out.")
    page.goto("/dashboard")
    assert "/login" in page.url
    page.goto("/")  # the public site, never the staff login
    assert page.url.endswith("/") and page.locator("#password").count() == 0


def test_admin_changes_a_role_with_htmx(page, make_user, screenshot):
    make_user(Role.ADMIN, email="boss@clinic.example", name="Boss")
    staff = make_user(Role.STAFF, name="Pat Doe")
    page.goto("/login")
    page.fill("#email", "boss@clinic.example")
    page.fill("#password", TEST_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.click("nav >> text=Users")
    page.wait_for_load_state("load")  # htmx has processed the page: a change before that is not heard
    row = page.locator(f"#user-{staff.id}")
    row.locator("select[name=role]").select_option("admin")
    expect(row.locator(".notice")).to_have_text("Saved.")  # swapped in place: CSRF header accepted
    screenshot("users")
    page.reload()
    expect(page.locator(f"#user-{staff.id} select[name=role]")).to_have_value("admin")
