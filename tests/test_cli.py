from oncord import accounts


def test_flask_users_create_and_list(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "ops@clinic.example", "--name", "Ops",
                                 "--role", "admin", "--password", "cli password 1"])
    assert result.exit_code == 0, result.output
    assert "Created administrator ops@clinic.example" in result.output
    db.session.expire_all()
    assert accounts.authenticate("ops@clinic.example", "cli password 1").is_admin
    listing = runner.invoke(args=["users", "list"])
    assert "ops@clinic.example\tadmin\tactive" in listing.output


def test_flask_users_create_explains_errors(app, db):
    result = app.test_cli_runner().invoke(args=["users", "create", "--email", "bad", "--name", "X", "--password", "cli password 1"])
    assert result.exit_code != 0
    assert "Error" in result.output


def test_flask_users_set_password(app, db, make_user):
    user = make_user(email="s@clinic.example")
    result = app.test_cli_runner().invoke(args=["users", "set-password", "s@clinic.example", "--password", "new cli password"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert accounts.authenticate("s@clinic.example", "new cli password").id == user.id
