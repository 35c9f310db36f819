"""One run of the sync engine: what it did, how far it got, and what went wrong."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oncord.extensions import db
from oncord.timestamps import UTCDateTime, utcnow


class SyncTrigger(str, enum.Enum):
    MANUAL = "manual"
    SCHEDULED = "scheduled"
    AFTER_EDIT = "after edit"
    COMMAND_LINE = "command line"


class SyncStatus(str, enum.Enum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class SyncRun(db.Model):
    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("cliniko_connections.id", ondelete="CASCADE"), index=True)
    trigger: Mapped[str] = mapped_column(String(20))
    full: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(12), default=SyncStatus.RUNNING.value)
    phase: Mapped[str | None] = mapped_column(String(40))
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # {"patients": {"created": n, "updated": n, "unchanged": n, "skipped": n}, ...}
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    requests: Mapped[int] = mapped_column(default=0)
    problems: Mapped[list] = mapped_column(JSON, default=list)  # rows skipped or repaired, in plain words
    error: Mapped[str | None] = mapped_column(Text)
    # Where a pull stopped, so the next slice (or a replacement worker) carries on from there:
    # {"step", "since", "listing", "updated_at", "id", "handoff"}; see sync/pull.py.
    checkpoint: Mapped[dict | None] = mapped_column(JSON)
    slices: Mapped[int] = mapped_column(default=0, server_default="0")  # worker jobs that ran it

    @property
    def active(self) -> bool:
        return self.status == SyncStatus.RUNNING.value

    @property
    def duration_seconds(self) -> float | None:
        end = self.finished_at or self.heartbeat_at
        return None if end is None else (end - self.started_at).total_seconds()
