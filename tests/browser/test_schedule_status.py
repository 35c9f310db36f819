"""Settings > Integrations: the warning while no worker runs, then the scheduled jobs a worker keeps."""
from playwright.sync_api import expect

from oncord.models import Role


def test_settings_warn_without_a_worker_then_show_the_schedule(page, sign_in, connected, start_worker, screenshot):
    sign_in(Role.ADMIN, email="admin@clinic.example", name="Alex Admin")
    page.click("nav >> text=Integrations")
    expect(page.locator("#sync-status [role=alert]")).to_contain_text("No background worker is running")
    screenshot("settings-no-worker")
    start_worker(SYNC_INTERVAL_SECONDS=3600)
    for _ in range(120):  # the worker schedules the sync when it starts
        page.reload()
        if page.locator("#sync-status [role=alert]").count() == 0:
            break
        page.wait_for_timeout(500)
    expect(page.locator("#sync-status [role=alert]")).to_have_count(0)
    expect(page.locator(".scheduled-jobs")).to_contain_text("Automatic sync:")
    expect(page.locator(".scheduled-jobs")).to_contain_text("Edits for Cliniko: nothing to do")
    screenshot("settings-schedule")
