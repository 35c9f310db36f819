"""Reading pages the way a browser would, for tests that post forms."""
import re

CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def csrf_token_of(client, path: str = "/login") -> str:
    """The CSRF token of `client`'s session, as rendered on `path`."""
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = CSRF_PATTERN.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def without_csrf_tokens(html: str) -> str:
    """`html` with every rendered CSRF token blanked.

    Tokens carry a signing timestamp, so two renders a second apart differ even
    when the pages are otherwise identical.
    """
    for match in CSRF_PATTERN.finditer(html):
        html = html.replace(match.group(1) or match.group(2), "<csrf>")
    return html
