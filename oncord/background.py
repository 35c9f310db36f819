"""When Redis (the background services: jobs, schedule, sync lock) cannot be reached.

Pages that can work without it say so and carry on; the rest answer 503 with a message
staff can act on, never a bare 500.
"""
from __future__ import annotations

import logging

from flask import Flask, render_template
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

# What redis-py raises when Redis is down, restarting or unreachable.
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)

UNAVAILABLE_MESSAGE = ("Background services are unavailable, so syncing with Cliniko is paused. "
                       "Nothing you saved is lost. Try again in a few minutes; if this stays, "
                       "ask whoever runs oncord to check Redis.")


def init_app(app: Flask) -> None:
    @app.errorhandler(RedisConnectionError)
    @app.errorhandler(RedisTimeoutError)
    def background_unavailable(error):
        log.warning("Redis unavailable: %s", type(error).__name__)
        return render_template("error.html", title="Background services unavailable",
                               message=UNAVAILABLE_MESSAGE), 503
