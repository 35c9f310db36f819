"""A sync stopped by the database says so without the row it was writing: not on the
settings page, not in the log, not in the failed job that /jobs/ shows."""
import logging

from sqlalchemy import text

from oncord.extensions import db as _db
from oncord.models import ClinikoConnection, SyncRun, SyncTrigger
from oncord.queues import all_queues
from oncord.sync import schedule

SECRET = "Quintessa Vantablack, 17 Hidden Lane, 0491 570 156"


def fail_with_row_data_in_the_error(*args, **kwargs):
    """A statement outside the per-row fallback that fails, quoting its value where it can."""
    if _db.session.get_bind().dialect.name == "postgresql":
        _db.session.execute(text("SELECT CAST(:value AS date)"), {"value": SECRET})  # the message quotes it
    else:
        _db.session.execute(text("INSERT INTO no_such_table VALUES (:value)"), {"value": SECRET})


def test_a_database_error_leaves_no_row_data_in_the_run_the_log_or_the_job(db, sandbox, connected, monkeypatch,
                                                                         run_jobs, caplog):
    from oncord.sync import patients as sync_patients

    sandbox.reset(patients=5, appointments=0, seed=3)
    monkeypatch.setattr(sync_patients, "_upsert_contacts", fail_with_row_data_in_the_error)
    caplog.set_level(logging.INFO)
    job = schedule.queue_pull(connected.id, SyncTrigger.MANUAL)

    run_jobs()

    job = next(queue.fetch_job(job.id) for queue in all_queues() if queue.fetch_job(job.id))
    assert job.get_status() == "failed"
    stored = job.latest_result().exc_string
    run = db.session.query(SyncRun).one()
    connection = db.session.get(ClinikoConnection, connected.id)
    for where in (stored, run.error, connection.last_error, caplog.text, *run.problems):
        assert "Quintessa" not in where and "Hidden Lane" not in where
    assert run.status == "failed" and run.error.startswith("The sync stopped on a database error (")
    assert connection.last_error == run.error
    assert "patients.py" in caplog.text  # where it failed is still logged, for whoever debugs it


def test_sql_parameters_never_reach_error_text(db):
    assert _db.engine.hide_parameters  # set by create_app, whatever engine options a caller passes
