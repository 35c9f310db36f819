from oncord.sync.connection import key_hint


def test_key_hint_shows_four_characters_of_the_secret_part():
    assert key_hint("abcdefgh1234wxyz-au1") == "wxyz"
    assert key_hint("abcdefgh1234wxyz") == "wxyz"  # an old key without a shard


def test_connect_reads_the_subdomain_and_account_name_from_settings(db, sandbox):
    from oncord.sync import connection as connections

    account = sandbox.world.account()
    connection = connections.connect(sandbox.api_key, base_url=sandbox.base_url)
    assert connection.subdomain == account["subdomain"]
    assert connection.account_name == account["name"]
    assert connection.patient_url(1) == f"https://{account['subdomain']}.au1.cliniko.com/patients/1"


def test_a_role_without_settings_access_still_connects_with_the_typed_subdomain(db, sandbox):
    from oncord.sync import connection as connections

    sandbox.world.set_key_user_role("receptionist")  # GET /settings answers 403
    connection = connections.connect(sandbox.api_key, base_url=sandbox.base_url, subdomain="front-desk")
    assert connection.is_connected
    assert connection.subdomain == "front-desk" and connection.account_name is None
    assert connection.user_name == "Alex Morgan"
    assert sandbox.requests.by_status[403] == 1 and sandbox.requests.count("GET /settings") == 1
