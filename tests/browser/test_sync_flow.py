"""Connect Cliniko from the settings page, synchronise, watch progress, see contacts."""
import re

from playwright.sync_api import expect

from oncord.models import Role


def watch_progress(page, screenshot, limit=90.0):
    """(phase, done) pairs the live status showed until the sync finished; one screenshot mid-way."""
    import time

    phases = ["practitioners", "appointment types", "patients", "appointments"]
    seen, shot, deadline = [], False, time.monotonic() + limit
    while time.monotonic() < deadline:
        # One snapshot of the status: it is swapped every 2 s, so the phase and the bar read in two
        # calls could belong to two versions (or the bar be gone by the second read).
        html = page.locator("#sync-status").inner_html()
        if "Last sync finished" in html:
            break
        phase, value = re.search(r"Synchronising: ([^<]+)</strong>", html), re.search(r'aria-valuenow="(\d+)"', html)
        if phase and value:
            phase = phase.group(1).strip()
            if phase in phases:
                point = (phases.index(phase), int(value.group(1)))
                if seen and point < seen[-1]:
                    break  # a new run (the scheduled one) began: the first has finished
                if not seen or seen[-1] != point:
                    seen.append(point)
                if phase == "appointments" and not shot and point[1] > 0:
                    screenshot("settings-mid-sync")
                    shot = True
        time.sleep(0.25)
    return seen


def test_connect_synchronise_and_browse_contacts(page, sign_in, sandbox, worker_process, screenshot):
    sandbox.reset(patients=300, appointments=1500, seed=42)
    # slow enough to watch the bar move even on a busy machine, where a 2 s poll can come late
    sandbox.faults.set(latency=0.6)
    sign_in(Role.ADMIN, email="admin@clinic.example", name="Alex Admin")
    page.click("nav >> text=Integrations")
    page.fill("#api_key", sandbox.api_key)
    page.fill("#subdomain", "demo-clinic")
    page.click("summary:has-text('Advanced')")
    page.fill("#base_url", sandbox.base_url)
    page.click("button:has-text('Enable Integration')")
    expect(page.locator(".flash-success")).to_contain_text("Cliniko is connected")
    # the first sync runs in the worker; the status polls and the bar moves
    expect(page.locator("#sync-status")).to_contain_text("Synchronising", timeout=20_000)
    seen = watch_progress(page, screenshot)
    assert len(seen) >= 2 and seen == sorted(seen), seen  # the bar moved forward, phase by phase
    sandbox.faults.clear()
    expect(page.locator("#sync-status")).to_contain_text("Last sync finished", timeout=60_000)
    expect(page.locator("#sync-history")).to_contain_text("Succeeded")  # refreshed without a reload
    screenshot("settings-after-sync")
    # a second, manual sync from the button
    page.click("button:has-text('Synchronise')")
    expect(page.locator("#sync-history")).to_contain_text("Succeeded")
    expect(page.locator("#sync-status")).to_contain_text("Last sync finished", timeout=60_000)
    # contacts arrived with Cliniko badges and activity feeds
    page.click("nav >> text=Contacts")
    rows = page.locator("table tbody tr")
    expect(rows.first).to_be_visible()
    rows.first.locator("a").first.click()
    expect(page.locator(".badge-cliniko").first).to_be_visible()
    screenshot("synced-contact-page")
