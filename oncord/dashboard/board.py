"""Everything the dashboard shows, read in one place so the view stays a call and a render."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from oncord.dashboard import chart, figures
from oncord.dashboard.sync_health import SyncHealth, sync_health


@dataclass(frozen=True)
class Board:
    chart: chart.Chart
    share: figures.SubscribedShare
    reminders: figures.RemindersDue
    replies: figures.RecentReplies
    look: figures.NeedsALook
    campaigns: list[figures.CampaignLine]
    sync: SyncHealth


def read_board(now: datetime, zone: ZoneInfo) -> Board:
    return Board(
        chart=chart.build(figures.messages_per_day(now, zone)),
        share=figures.subscribed_share(),
        reminders=figures.reminders_due(now),
        replies=figures.recent_replies(now),
        look=figures.needs_a_look(now, zone),
        campaigns=figures.live_campaigns(),
        sync=sync_health(now),
    )
