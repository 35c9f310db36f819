"""`next` after sign-in: only this site's paths, judged as a browser would read them."""
import pytest

from oncord.redirects import safe_next_path

# What `request.args["next"]` holds (already percent-decoded once) for each trick.
OFF_SITE = [
    "//evil.example/x", "///evil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example/x",
    "\t//evil.example", "/\r\n/evil.example", "\r\n//evil.example", "/x\r\nSet-Cookie: a=b", " //evil.example",
    "/ /evil.example", "/\u3000/evil.example", "/\u200b/evil.example", "/\x7f/evil.example",
    "https:evil.example", "https://evil.example/", "http:/evil.example", "javascript:alert(1)", "evil.example",
    "/%2F%2Fevil.example", "/%2f/evil.example", "/%5Cevil.example", "/%09/evil.example", "/%0d%0a/evil.example",
    "/.//evil.example", "/./", "/../evil.example", "/a/../../evil.example", "/%2e%2e/evil.example",
    "/x?q=a\r\nb", "/x?q=a\tb", "", None, "/" + "a" * 3000,
]
LOCAL = ["/account", "/contacts/5", "/contacts/?q=Zo%C3%AB&email=subscribed", "/settings/integrations/", "/dashboard",
         "/contacts/?q=M%C3%A1ria+L%C3%B3pez", "/contacts/?q=Mia%20Smith", "/contacts/?q=50%25&after=3",
         "/website/pages/3/"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_anything_a_browser_could_read_as_another_site_is_refused(target):
    assert safe_next_path(target) is None


@pytest.mark.parametrize("target", LOCAL)
def test_plain_local_paths_are_kept(target):
    assert safe_next_path(target) == target
