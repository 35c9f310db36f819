import pytest
from cryptography.fernet import Fernet

from oncord import encryption


def test_round_trip_and_rotation():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = encryption.encrypt("cliniko-key-au1", old)
    assert "cliniko-key" not in token
    assert encryption.decrypt(token, f"{new},{old}") == "cliniko-key-au1"
    with pytest.raises(encryption.SecretUnreadable):
        encryption.decrypt(token, new)


def test_encrypted_column_stores_ciphertext(app, db):
    from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text

    table = Table("secret_probe", MetaData(), Column("id", Integer, primary_key=True), Column("value", encryption.EncryptedText()))
    table.create(db.engine)
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(table).values(id=1, value="s3cret-api-key"))
            raw = conn.execute(text("SELECT value FROM secret_probe")).scalar()
            assert "s3cret" not in raw
            assert conn.execute(select(table.c.value)).scalar() == "s3cret-api-key"
    finally:
        table.drop(db.engine)
