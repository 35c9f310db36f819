from oncord.getting_started import checklist
from oncord.models import Role
from oncord.sync import pull


def _done(steps):
    return {s.title: s.done for s in steps}


def test_checklist_reads_real_state(app, db, make_user, sandbox):
    make_user(Role.ADMIN)
    with app.test_request_context():
        steps = _done(checklist(is_admin=True))
    assert steps["Create the administrator account"] and not steps["Add your team"]
    assert not steps["Connect Cliniko"] and not steps["Finish the first sync"]
    make_user(Role.STAFF)
    from oncord.sync.connection import connect
    connection = connect(sandbox.api_key, base_url=sandbox.base_url)
    db.session.commit()
    with app.test_request_context():
        steps = _done(checklist(is_admin=True))
    assert steps["Add your team"] and steps["Connect Cliniko"] and not steps["Finish the first sync"]
    sandbox.reset(patients=3, appointments=0, seed=1)
    pull.run(connection.id)
    with app.test_request_context():
        final = checklist(is_admin=False)
    assert _done(final)["Finish the first sync"]
    assert "contacts imported" in next(s.detail for s in final if s.title == "Finish the first sync")
