"""The consent ledger as a CSV download, for administrators (linked from Settings > Messaging)."""
from __future__ import annotations

from flask import Blueprint, Response, stream_with_context

from oncord.access import admin_required
from oncord.messaging import consent_history
from oncord.timestamps import utcnow

bp = Blueprint("consent_export", __name__, url_prefix="/settings/messaging")


@bp.get("/consent.csv")
@admin_required
def csv_export():
    """Streamed: the ledger only grows, and a large clinic's must not sit whole in memory."""
    filename = f"oncord-consent-ledger-{utcnow():%Y-%m-%d}.csv"
    return Response(stream_with_context(consent_history.csv_lines()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})
