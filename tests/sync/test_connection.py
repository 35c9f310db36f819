from oncord.sync.connection import key_hint


def test_key_hint_shows_four_characters_of_the_secret_part():
    assert key_hint("abcdefgh1234wxyz-au1") == "wxyz"
    assert key_hint("abcdefgh1234wxyz") == "wxyz"  # an old key without a shard
