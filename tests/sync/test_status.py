"""What the settings page says while a sync runs: a silent worker is not shown as progress."""
from datetime import timedelta

from oncord.models import Role, SyncRun
from oncord.timestamps import utcnow

SILENT = "has not been heard from"


def test_a_running_sync_whose_worker_went_silent_is_shown_as_possibly_stopped(client, db, login_as, connected):
    login_as(Role.ADMIN)
    run = SyncRun(connection_id=connected.id, trigger="manual", full=True, status="running", phase="appointments",
                  done=1200, total=50000, counts={}, problems=[], started_at=utcnow() - timedelta(minutes=10),
                  heartbeat_at=utcnow() - timedelta(seconds=20))
    db.session.add(run)
    db.session.commit()
    assert SILENT not in client.get("/settings/integrations/cliniko/status").get_data(as_text=True)

    run.heartbeat_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    html = client.get("/settings/integrations/cliniko/status").get_data(as_text=True)
    assert SILENT in html and "carries on from where it got to" in html
