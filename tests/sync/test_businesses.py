"""Cliniko businesses (the clinic's locations) pulled with the reference data."""
from oncord.models import Business
from oncord.sync import pull


def names(db):
    return {b.id: (b.name, b.archived_at is not None) for b in db.session.query(Business)}


def test_locations_are_created_renamed_and_archived(db, sandbox, connected):
    sandbox.reset(patients=3, appointments=5, seed=3)
    seeded = sandbox.world.clinic.business_ids
    north = sandbox.world.add_business("North Clinic", city="Brunswick")
    pull.run(connected.id)
    synced = names(db)
    assert set(synced) == {*seeded, int(north["id"])}
    assert synced[int(north["id"])] == ("North Clinic", False)
    assert db.session.get(Business, int(north["id"])).city == "Brunswick"

    sandbox.world.update_business(north["id"], business_name="Northside Physio")
    sandbox.world.archive_business(seeded[0])
    idle = pull.run(connected.id)
    assert idle.status == "succeeded"
    db.session.expire_all()
    synced = names(db)
    assert synced[int(north["id"])] == ("Northside Physio", False)
    assert synced[seeded[0]][1] is True  # archived, still named for its old appointments
    assert idle.counts["locations"].get("updated") == 2
