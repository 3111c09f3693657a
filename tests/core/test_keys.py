"""Production refuses to start without its keys; development generates them in the instance
folder; the ID keys never come from SECRET_KEY; the instance folder can be moved."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from core.app import create_app
from core.config import Config
from core.extensions import db
from core.keys import MissingKeys
from tests.conftest import BASE_CONFIG

ROOT = Path(__file__).resolve().parents[2]
KEY_NAMES = ("SECRET_KEY", "ID_ENCRYPTION_KEYS", "ID_HASH_KEY")
STRONG = {"SECRET_KEY": "s" * 40, "ID_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
          "ID_HASH_KEY": "h" * 40}


@pytest.fixture
def bare_environment(monkeypatch, tmp_path):
    """No keys and no APP_ENV in the environment; the instance folder in a temporary place."""
    for name in (*KEY_NAMES, "APP_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    return tmp_path / "instance"


def _app(**settings):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", **settings})
    with app.app_context():
        db.engine.dispose()
    return app


def test_production_is_the_default_and_names_every_missing_key(bare_environment):
    assert Config().APP_ENV == "production"
    with pytest.raises(MissingKeys) as refused:
        _app()
    assert "SECRET_KEY, ID_ENCRYPTION_KEYS, ID_HASH_KEY not set" in str(refused.value)
    assert not (bare_environment / "dev-secret-key").exists()  # nothing generated


def test_production_names_the_one_key_left_out(bare_environment):
    with pytest.raises(MissingKeys) as refused:
        _app(**{**STRONG, "ID_HASH_KEY": ""})
    assert "ID_HASH_KEY not set" in str(refused.value)
    assert "SECRET_KEY" not in str(refused.value).split("not set")[0]


def test_a_secret_key_alone_no_longer_stands_in_for_the_id_keys(bare_environment):
    """Before: the ID keys were derived from SECRET_KEY, so a copied database and the session
    key gave back every ID number. Now the app does not start."""
    with pytest.raises(MissingKeys) as refused:
        _app(SECRET_KEY=STRONG["SECRET_KEY"])
    assert "ID_ENCRYPTION_KEYS, ID_HASH_KEY not set" in str(refused.value)


@pytest.mark.parametrize("bad, message", [
    ({"ID_ENCRYPTION_KEYS": "not-a-fernet-key"}, "key #1 is not a Fernet key"),
    ({"SECRET_KEY": "changeme"}, "SECRET_KEY is shorter than 32"),
    ({"ID_HASH_KEY": "s" * 40}, "ID_HASH_KEY must differ from SECRET_KEY"),
])
def test_production_refuses_unusable_keys(bare_environment, bad, message):
    with pytest.raises(MissingKeys, match=message):
        _app(**{**STRONG, **bad})


def test_production_starts_with_its_three_keys(bare_environment):
    app = _app(**STRONG)
    assert app.config["APP_ENV"] == "production"
    assert app.config["ID_HASH_KEY"] == STRONG["ID_HASH_KEY"]


def test_development_generates_independent_keys_once_in_the_instance_folder(bare_environment):
    first = _app(APP_ENV="development")
    files = sorted(p.name for p in bare_environment.glob("dev-*"))
    assert files == ["dev-id-encryption-key", "dev-id-hash-key", "dev-secret-key"]
    for path in bare_environment.glob("dev-*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    Fernet(first.config["ID_ENCRYPTION_KEYS"].encode())  # a real Fernet key
    again = _app(APP_ENV="development")  # a restart reads the same keys back
    assert {n: again.config[n] for n in KEY_NAMES} == {n: first.config[n] for n in KEY_NAMES}
    # Another folder with the same session key gets other ID keys: nothing is derived from it.
    other_folder = bare_environment.parent / "other"
    other = _app(APP_ENV="development", INSTANCE_PATH=str(other_folder),
                 SECRET_KEY=first.config["SECRET_KEY"])
    assert other.config["ID_ENCRYPTION_KEYS"] != first.config["ID_ENCRYPTION_KEYS"]
    assert other.config["ID_HASH_KEY"] != first.config["ID_HASH_KEY"]


def test_development_keeps_keys_given_explicitly(bare_environment):
    app = _app(APP_ENV="development", **STRONG)
    assert app.config["ID_ENCRYPTION_KEYS"] == STRONG["ID_ENCRYPTION_KEYS"]
    assert not list(bare_environment.glob("dev-*"))


def test_instance_folder_moves_with_the_setting(bare_environment):
    config = Config()
    assert Path(config.INSTANCE_PATH) == bare_environment.resolve()
    database = config.SQLALCHEMY_DATABASE_URI.removeprefix("sqlite:///")
    assert Path(database) == bare_environment / "civic.sqlite3"
    assert Path(config.BACKUP_DIR) == bare_environment / "backups"
    app = _app(**STRONG)
    assert Path(app.instance_path) == bare_environment and bare_environment.is_dir()


def test_wsgi_entry_point_stops_with_a_message_naming_the_missing_keys(tmp_path):
    """What gunicorn or ``flask`` sees on a server where nobody set the keys."""
    env = {k: v for k, v in os.environ.items() if k not in (*KEY_NAMES, "APP_ENV")}
    env.update(PYTHONPATH=str(ROOT), INSTANCE_PATH=str(tmp_path),
               DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    done = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    assert "MissingKeys" in done.stderr
    assert "SECRET_KEY, ID_ENCRYPTION_KEYS, ID_HASH_KEY not set" in done.stderr


def test_the_test_suite_runs_in_development_with_its_own_keys(app):
    assert BASE_CONFIG["APP_ENV"] == app.config["APP_ENV"] == "development"
    assert app.config["ID_HASH_KEY"] == BASE_CONFIG["ID_HASH_KEY"]
