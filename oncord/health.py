"""Checks of the services oncord depends on, each answering "ok" or what went wrong."""
from __future__ import annotations

import logging

from sqlalchemy import text

from oncord.extensions import db
from oncord.queues import redis_connection

log = logging.getLogger(__name__)


def check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # any driver error means unavailable
        db.session.rollback()
        log.warning("database health check failed: %s", exc)
        return f"error: {type(exc).__name__}"


def check_redis() -> str:
    try:
        redis_connection().ping()
        return "ok"
    except Exception as exc:
        log.warning("redis health check failed: %s", exc)
        return f"error: {type(exc).__name__}"


def check_all() -> dict[str, str]:
    return {"database": check_database(), "redis": check_redis()}
