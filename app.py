"""WSGI entry point: `gunicorn app:app`, `flask --app app ...`."""
from oncord import create_app

app = create_app()
