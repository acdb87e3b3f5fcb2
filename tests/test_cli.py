from sqlalchemy import delete, select

from supportline.auth.models import ApiToken, User
from supportline.extensions import db


def test_users_create_reads_the_password_from_stdin(app, runner):
    result = runner.invoke(args=["users", "create", "Cli@Test.invalid", "--role", "editor", "--password-stdin"],
                           input="ett-langt-losenord-fran-cli\n")
    assert result.exit_code == 0, result.output
    assert "Kontot cli@test.invalid (redaktör) är skapat." in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "cli@test.invalid"))
        assert user.role == "editor"


def test_users_create_refuses_a_weak_password_in_swedish(app, runner):
    result = runner.invoke(args=["users", "create", "weak@test.invalid", "--role", "handler", "--password-stdin"],
                           input="kort\n")
    assert result.exit_code != 0
    assert "minst 12 tecken" in result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "weak@test.invalid")) is None


def test_users_create_refuses_an_unknown_role(runner):
    result = runner.invoke(args=["users", "create", "x@test.invalid", "--role", "root", "--password-stdin"],
                           input="ett-langt-losenord-fran-cli\n")
    assert result.exit_code == 2


def test_users_token_prints_a_working_token_once(app, runner, create_user):
    user = create_user("handler")
    result = runner.invoke(args=["users", "token", user.email])
    assert result.exit_code == 0
    token = result.stdout.strip().splitlines()[0]
    assert token.startswith("slt_")
    with app.app_context():
        assert token not in db.session.scalars(select(ApiToken.token_hash)).all()
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_users_token_for_unknown_account(runner):
    result = runner.invoke(args=["users", "token", "nobody@test.invalid"])
    assert result.exit_code == 1
    assert "inget aktivt konto" in result.output


def test_demo_seed_is_idempotent_and_prints_logins(app, runner):
    from supportline.stats.models import ResourceCentre

    with app.app_context():  # an empty directory, whatever ran before
        db.session.execute(delete(ResourceCentre))
        db.session.commit()
    first = runner.invoke(args=["demo", "seed"])
    second = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "admin@demo.invalid" in second.output and "demo-losenord-2026" in second.output
    with app.app_context():
        roles = sorted(db.session.scalars(select(User.role)).all())
    assert roles == ["admin", "coordinator", "editor", "handler"]
    # the researched resource-centre directory, written once
    assert "Resurscentrum: 21 nya" in first.output and "Resurscentrum: 0 nya, 0 uppdaterade" in second.output


def test_help_on_an_installation_without_its_secret_names_the_setting_without_a_traceback():
    from click.testing import CliRunner

    from supportline.cli import cli

    result = CliRunner().invoke(cli, ["--help"], env={"SUPPORTLINE_ENV": "production", "SECRET_KEY": None})
    assert result.exit_code == 0
    assert "SECRET_KEY saknas" in result.stderr
    assert "Traceback" not in result.output
    assert "handover" in result.stdout and "Överlämningen av ärenden till NCK." in result.stdout
