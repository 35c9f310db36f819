"""The dashboard with a month of data, on a desktop and a phone: the chart, the figures, their links."""
from playwright.sync_api import expect

from oncord.timestamps import utcnow
from tests.dashboard import seed

PHONE = {"width": 390, "height": 844}


def test_dashboard_with_a_month_of_data(browser, live_server, db, make_user, screenshot, page, sign_in):
    seed.clinic(utcnow())
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in("staff")
    page.goto("/dashboard")
    chart = page.locator(".chart-svg")
    expect(chart.locator("a")).to_have_count(30)
    expect(page.locator(".tiles")).to_contain_text("Reminders due")
    expect(page.locator(".tiles .tile").nth(1)).to_contain_text("10")  # 12 visits tomorrow, 2 patients said STOP
    expect(page.locator(".tiles .tile").nth(1)).to_contain_text("2 will be skipped")
    expect(page.locator("#campaigns-title")).to_be_visible()
    expect(page.locator(".campaign-lines li")).to_have_count(3)
    expect(page.locator("#look-title")).to_contain_text("Needs a look")
    screenshot("dashboard-desktop")

    page.set_viewport_size(PHONE)
    page.reload()
    expect(chart.locator("a")).to_have_count(30)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot("dashboard-phone")

    page.set_viewport_size({"width": 1280, "height": 800})
    chart.locator("a").last.click()  # today's bar: today's messages
    page.wait_for_url("**/marketing/messages/?since=*")
    expect(page.locator("h1")).to_contain_text("Messages")
    assert not errors, errors
