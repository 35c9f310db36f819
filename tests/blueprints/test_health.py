from oncord.queues import redis_connection


def test_healthz_reports_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_healthz_is_503_when_redis_is_down(app, client, monkeypatch):
    with app.app_context():
        conn = redis_connection()
    monkeypatch.setattr(conn, "ping", lambda: (_ for _ in ()).throw(ConnectionError("refused")))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["redis"].startswith("error") and response.json["database"] == "ok"
