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


def test_staff_csp_allows_scripts_from_our_files_only():
    from oncord.website.security import staff_csp

    policy = dict(part.split(" ", 1) for part in staff_csp().split("; "))
    assert policy == {"script-src": "'self'", "object-src": "'none'", "base-uri": "'none'",
                      "form-action": "'self'", "frame-ancestors": "'none'"}
    assert "script-src 'self' 'sha256-x'" in staff_csp(["'sha256-x'"])


def test_inline_script_hashes_skip_files_and_templates():
    import base64
    import hashlib

    from oncord.website.security import inline_script_hashes

    html = (b'<script src="/a.js"></script><script type="text/template"><%= d %></script>'
            b'<script type="text/javascript">\n var a = 1;\n</script><SCRIPT>b()</SCRIPT >')
    expected = [f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
                for body in (b"\n var a = 1;\n", b"b()")]
    assert inline_script_hashes(html) == expected
