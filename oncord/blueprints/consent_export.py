"""The consent ledger as a CSV download, for administrators (linked from Settings > Messaging)."""
from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Flask, Response, current_app

from oncord.access import admin_required
from oncord.messaging import consent_history
from oncord.timestamps import utcnow

bp = Blueprint("consent_export", __name__, url_prefix="/settings/messaging")


@bp.get("/consent.csv")
@admin_required
def csv_export():
    """Streamed: the ledger only grows, and a large clinic's must not sit whole in memory."""
    filename = f"oncord-consent-ledger-{utcnow():%Y-%m-%d}.csv"
    return Response(_in_own_context(current_app._get_current_object()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


def _in_own_context(app: Flask) -> Iterator[str]:
    """Rows are read after the view returns, a page at a time, each in an app context of its own."""
    yield consent_history.csv_header()
    after_id: int | None = 0
    while True:
        with app.app_context():
            text, after_id = consent_history.csv_page(after_id)
        if after_id is None:
            return
        yield text
