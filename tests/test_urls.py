"""Links that leave the browser start from PUBLIC_URL, inside or outside a request."""
from oncord.urls import external_url


def test_external_urls_start_from_the_public_url_even_in_a_request_for_another_host(app):
    app.config["PUBLIC_URL"] = "https://crm.clinic.example"
    try:
        with app.app_context():
            assert external_url("auth.login") == "https://crm.clinic.example/login"
        with app.test_request_context("/", base_url="http://internal:8000"):
            assert external_url("auth.login", next="/contacts/") == "https://crm.clinic.example/login?next=/contacts/"
    finally:
        app.config["PUBLIC_URL"] = "http://127.0.0.1:8000"
