"""The dashboard's messages-per-day bar chart, laid out here and drawn by a template as SVG.

No chart library and no script: bars are rectangles in a viewBox stretched to the card's width
(text stays in HTML around it, so it is readable on a phone), each day a link to its messages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from math import ceil

from oncord.dashboard.figures import DayCount

HEIGHT = 100.0  # viewBox units; the template sets the drawn height in CSS
SLOT = 20.0  # viewBox width of one day
BAR = 14.0  # bar width within its slot
MIN_VISIBLE = 1.0  # a day with one message still shows a sliver
SERIES = ("sent", "skipped", "failed")  # bottom to top
SERIES_LABELS = {"sent": "Sent", "skipped": "Skipped", "failed": "Failed"}
LABEL_EVERY = 7  # days between date labels under the bars, counted back from today


@dataclass(frozen=True, slots=True)
class Segment:
    series: str  # "sent" | "skipped" | "failed"
    count: int
    y: float
    height: float


@dataclass(frozen=True, slots=True)
class Bar:
    day: date
    x: float
    width: float
    segments: list[Segment]
    counts: DayCount

    @property
    def label(self) -> str:
        """What a screen reader and the tooltip say for the day."""
        c = self.counts
        return f"{day_label(self.day, weekday=True)}: {c.sent} sent, {c.skipped} skipped, {c.failed} failed"


@dataclass(frozen=True, slots=True)
class Tick:
    value: int
    y: float  # viewBox units from the top

    @property
    def percent_from_bottom(self) -> float:
        return round(100 * (HEIGHT - self.y) / HEIGHT, 2)


@dataclass(frozen=True, slots=True)
class DateLabel:
    text: str
    percent_from_left: float  # the centre of its day's bar


@dataclass(frozen=True, slots=True)
class Chart:
    width: float
    height: float
    bars: list[Bar]
    ticks: list[Tick]
    date_labels: list[DateLabel]
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(self.totals.values())

    @property
    def first_day(self) -> date:
        return self.bars[0].day

    @property
    def last_day(self) -> date:
        return self.bars[-1].day

    @property
    def description(self) -> str:
        t = self.totals
        return (f"From {day_label(self.first_day)} to {day_label(self.last_day)}: {t['sent']} sent, "
                f"{t['skipped']} skipped and {t['failed']} failed. Each bar is one day.")


def day_label(day: date, weekday: bool = False) -> str:
    return f"{day:%a} {day.day} {day:%b}" if weekday else f"{day.day} {day:%b}"


def nice_step(top: int, lines: int = 4) -> int:
    """A round gridline step (1, 2, 5, 10, 20, 50...) giving at most `lines` lines up to `top`."""
    raw = max(1, ceil(top / lines))
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if factor * magnitude >= raw:
                return factor * magnitude
        magnitude *= 10


def build(days: list[DayCount]) -> Chart:
    """Stacked bars (sent, skipped, failed), oldest day on the left, scaled to a round maximum."""
    peak = max((d.total for d in days), default=0)
    step = nice_step(peak)
    top = max(step, step * ceil(peak / step))
    scale = HEIGHT / top
    bars = []
    for index, counts in enumerate(days):
        segments, base = [], HEIGHT
        for series in SERIES:
            count = getattr(counts, series)
            if not count:
                continue
            height = min(base, max(MIN_VISIBLE, round(count * scale, 2)))
            base = round(base - height, 2)
            segments.append(Segment(series, count, base, height))
        bars.append(Bar(counts.day, index * SLOT + (SLOT - BAR) / 2, BAR, segments, counts))
    width = SLOT * len(days)
    ticks = [Tick(value, round(HEIGHT - value * scale, 2)) for value in range(0, top + 1, step)]
    last = len(days) - 1
    labels = [DateLabel(day_label(d.day), round(100 * (i * SLOT + SLOT / 2) / width, 2))
              for i, d in enumerate(days) if (last - i) % LABEL_EVERY == 0]
    totals = {series: sum(getattr(d, series) for d in days) for series in SERIES}
    return Chart(width, HEIGHT, bars, ticks, labels, totals)
