"""Block settings are checked on Apply and again on Save."""
import pytest

from oncord.website.blocks import BlockError, booking_href, book_now_blocks, clean_block, clean_blocks, new_block
from tests.website.cliniko_samples import CLINIKO_EMBED


def test_every_palette_element_starts_with_defaults():
    for name in ("heading", "text", "image", "button", "booknow", "embed"):
        assert new_block(name)["type"] == name
    with pytest.raises(BlockError):
        new_block("marquee")


def test_clean_block_keeps_known_settings_only():
    block = clean_block({"type": "heading", "text": " Hi ", "level": "1", "onclick": "x"})
    assert block == {"type": "heading", "text": "Hi", "level": 1}


@pytest.mark.parametrize("raw,field", [
    ({"type": "heading", "text": ""}, "text"),
    ({"type": "image", "url": "http://img.example/a.png"}, "url"),
    ({"type": "button", "label": "Go", "url": "javascript:alert(1)"}, "url"),
    ({"type": "booknow", "label": "Book", "url": "http://x.example/bookings"}, "url"),
    ({"type": "embed", "code": '<iframe src="http://x.example"></iframe>'}, "code"),
])
def test_bad_settings_name_the_field(raw, field):
    with pytest.raises(BlockError) as caught:
        clean_block(raw)
    assert field in caught.value.errors


def test_embed_blocks_store_cliniko_as_given_and_clean_the_rest():
    assert clean_block({"type": "embed", "code": CLINIKO_EMBED}) == {
        "type": "embed", "code": CLINIKO_EMBED, "kind": "cliniko", "removed": []}
    other = clean_block({"type": "embed", "code": "<p onclick='x()'>Hi</p>"})
    assert other["code"] == "<p>Hi</p>" and other["kind"] == "html" and other["removed"] == ["onclick event handler"]


def test_clean_blocks_refuses_a_forged_embed_sent_as_json():
    with pytest.raises(BlockError, match="EMBED #2"):
        clean_blocks([{"type": "text", "text": "a"}, {"type": "embed", "code": "<script>alert(1)</script>", "kind": "cliniko"}])
    forged = clean_blocks([{"type": "embed", "code": "<b>x</b><script>1</script>", "kind": "cliniko"}])
    assert forged[0]["kind"] == "html" and "<script" not in forged[0]["code"]


def test_book_now_button_uses_its_own_url_then_the_clinics():
    assert booking_href({"url": "https://a.example/book"}, "https://c.cliniko.com/bookings") == "https://a.example/book"
    assert booking_href({"url": ""}, "https://c.cliniko.com/bookings") == "https://c.cliniko.com/bookings"
    assert booking_href({"url": ""}, None) is None
    assert booking_href({"url": ""}, "javascript://%0aalert(1)") is None


class _Connection:
    def __init__(self, booking_url=None, booking_embed_code=None):
        self.booking_url, self.booking_embed_code = booking_url, booking_embed_code


def test_book_now_page_content():
    assert book_now_blocks(_Connection()) is None
    with_embed = book_now_blocks(_Connection(booking_embed_code=CLINIKO_EMBED))
    assert [b["type"] for b in with_embed] == ["heading", "text", "embed"]
    assert with_embed[2]["code"] == CLINIKO_EMBED
    with_url = book_now_blocks(_Connection(booking_url="https://c.au1.cliniko.com/bookings"))
    assert [b["type"] for b in with_url] == ["heading", "text", "booknow"]


def test_editable_block_empties_refused_settings_and_keeps_the_rest():
    from oncord.website.blocks import editable_block

    assert editable_block({"type": "button", "label": " Go ", "url": "javascript:alert(1)", "style": "evil"}) == {
        "type": "button", "label": "Go", "url": "", "style": "primary"}
    assert editable_block({"type": "image", "url": "data:text/html,x", "alt": "A"})["url"] == ""
    assert editable_block({"type": "heading", "text": "Hi", "level": 9, "onclick": "x"}) == {
        "type": "heading", "text": "Hi", "level": 2}
    assert editable_block({"type": "script"}) is None and editable_block("text") is None


def test_button_href_only_for_addresses_a_saved_block_could_hold():
    from oncord.website.blocks import button_href

    assert button_href({"url": "https://clinic.example/x"}) == "https://clinic.example/x"
    assert button_href({"url": "/about"}) == "/about"
    for url in ("javascript:alert(1)", "//evil.example", "/\\evil.example", "http://x.example", None, 5):
        assert button_href({"url": url}) is None
