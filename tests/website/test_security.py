"""The public site's Content-Security-Policy."""
from oncord.website.security import cliniko_host, public_csp


class _Connection:
    subdomain, shard = "my-clinic", "au1"


def test_public_csp_allows_no_inline_script_and_only_https_frames():
    policy = dict(part.split(" ", 1) for part in public_csp("my-clinic.au1.cliniko.com").split("; "))
    assert policy["script-src"] == "'self'"
    assert policy["frame-src"] == "https: https://my-clinic.au1.cliniko.com"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert "unsafe-inline" not in policy["style-src"]


def test_cliniko_host():
    assert cliniko_host(_Connection()) == "my-clinic.au1.cliniko.com"
    assert cliniko_host(None) is None
