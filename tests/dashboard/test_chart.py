"""The chart's geometry, and the SVG the dashboard draws from it: bars, heights, labels, links."""
import re
from datetime import date, timedelta
from html.parser import HTMLParser

from oncord.dashboard import chart
from oncord.dashboard.figures import DayCount
from oncord.models import Role
from oncord.timestamps import utcnow
from tests.dashboard import seed


def _days(*counts):
    first = date(2026, 11, 1)
    return [DayCount(first + timedelta(days=i), *c) for i, c in enumerate(counts)]


def test_nice_steps():
    assert [chart.nice_step(n) for n in (0, 3, 4, 7, 35, 40, 41, 180, 950)] == [1, 1, 1, 2, 10, 10, 20, 50, 500]


def test_bars_stack_sent_skipped_failed_on_a_round_scale():
    built = chart.build(_days((30, 6, 4), (0, 0, 0), (10, 0, 0)))
    assert [t.value for t in built.ticks] == [0, 10, 20, 30, 40]  # peak 40: a round top
    first, empty, third = built.bars
    assert [(s.series, s.count, s.height, s.y) for s in first.segments] == [
        ("sent", 30, 75.0, 25.0), ("skipped", 6, 15.0, 10.0), ("failed", 4, 10.0, 0.0)]
    assert empty.segments == []
    assert [(s.height, s.y) for s in third.segments] == [(25.0, 75.0)]
    assert [b.x for b in built.bars] == [3.0, 23.0, 43.0] and built.width == 60
    assert built.totals == {"sent": 40, "skipped": 6, "failed": 4} and not built.empty


def test_one_message_among_hundreds_still_shows():
    built = chart.build(_days((1000, 0, 1)))
    failed = built.bars[0].segments[1]
    assert failed.series == "failed" and failed.height == chart.MIN_VISIBLE


def test_date_labels_every_week_back_from_today():
    built = chart.build(_days(*[(1, 0, 0)] * 30))
    assert [label.text for label in built.date_labels] == ["2 Nov", "9 Nov", "16 Nov", "23 Nov", "30 Nov"]
    assert built.date_labels[-1].percent_from_left == round(100 * (29 * 20 + 10) / 600, 2)


def test_empty_month():
    built = chart.build(_days(*[(0, 0, 0)] * 30))
    assert built.empty and [t.value for t in built.ticks] == [0, 1]


class _Svg(HTMLParser):
    """The chart's links and rectangles, as the page has them."""

    def __init__(self):
        super().__init__()
        self.links, self.rects, self.in_svg, self.title, self.desc, self._text = [], [], False, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg" and "chart-svg" in attrs.get("class", ""):
            self.in_svg = True
        elif self.in_svg and tag == "a":
            self.links.append(attrs)
            self.rects.append([])
        elif self.in_svg and tag == "rect" and "bar-hit" not in attrs["class"]:
            self.rects[-1].append(attrs)
        elif self.in_svg and tag in ("title", "desc") and not self.links:
            self._text = tag

    def handle_data(self, data):
        if self._text:
            setattr(self, self._text, data)
            self._text = None

    def handle_endtag(self, tag):
        if tag == "svg":
            self.in_svg = False


def test_the_page_draws_each_day_as_a_linked_bar(client, db, login_as, sydney):
    login_as(Role.STAFF)
    now = utcnow()
    for n in range(8):
        seed.message(now - timedelta(minutes=n))
    seed.message(now - timedelta(minutes=1), "skipped")
    seed.message(now - timedelta(minutes=2), "failed")
    seed.message(now - timedelta(minutes=3), "failed")
    db.session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    svg = _Svg()
    svg.feed(html)
    assert len(svg.links) == 30 and svg.title == "Messages to patients per day"
    assert "8 sent, 1 skipped and 2 failed" in svg.desc
    today = svg.links[-1]
    day = today["data-day"]
    assert today["href"] == f"/marketing/messages/?since={day}&amp;until={day}".replace("&amp;", "&")
    assert today["aria-label"].endswith(": 8 sent, 1 skipped, 2 failed")
    # 11 messages: gridlines at 0, 5, 10, 15 and the bars scaled to 15.
    bars = [(r["class"], r["data-count"], float(r["height"]), float(r["y"])) for r in svg.rects[-1]]
    assert bars == [("bar bar-sent", "8", round(8 / 15 * 100, 2), round(100 - 8 / 15 * 100, 2)),
                    ("bar bar-skipped", "1", round(100 / 15, 2), round(100 - 9 / 15 * 100, 2)),
                    ("bar bar-failed", "2", round(2 / 15 * 100, 2), round(100 - 11 / 15 * 100, 2))]
    assert all(rects == [] for rects in svg.rects[:-1])
    axis = re.search(r'<div class="chart-axis".*?</div>', html, re.S).group(0)
    assert re.findall(r">(\d+)</span>", axis) == ["0", "5", "10", "15"]
    legend = re.search(r'<ul class="legend">.*?</ul>', html, re.S).group(0)
    assert "status=failed" in legend and "<strong>2</strong>" in legend
