"""Settings come from ``ECABINET_*`` variables, bad values stop the server with a clear message,
and the secret key is generated once into the data dir (mode 0600), never hard-coded."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ecabinet import preflight
from ecabinet.config import (
    CA_PASSPHRASE_FILE,
    MIN_SECRET_LENGTH,
    SECRET_KEY_FILE,
    Settings,
    SettingsError,
)

LONG_SECRET = "x" * MIN_SECRET_LENGTH


def test_defaults_match_the_documented_interface():
    settings = Settings.from_env({})
    assert settings.host == "127.0.0.1"
    assert settings.port == 8080
    assert settings.data_dir == Path("var")
    assert settings.time_zone == "Asia/Ho_Chi_Minh"
    assert settings.resolved_database_url == "sqlite+aiosqlite:///var/ecabinet.db"
    assert settings.secret_key == ""
    assert settings.default_language == "vi"
    assert settings.base_url == "http://127.0.0.1:8080"


def test_settings_are_read_from_ecabinet_variables(tmp_path):
    settings = Settings.from_env(
        {
            "ECABINET_PORT": " 9090 ",
            "ECABINET_HOST": "0.0.0.0",  # noqa: S104
            "ECABINET_DATA_DIR": str(tmp_path),
            "ECABINET_DATABASE_URL": "postgresql+asyncpg://ecabinet@db/ecabinet",
            "ECABINET_TIME_ZONE": "Asia/Bangkok",
            "ECABINET_SECRET_KEY": LONG_SECRET,
            "ECABINET_PREVIOUS_SECRET_KEYS": f"{'a' * 40}, , {'b' * 40}",
            "ECABINET_PUBLIC_URL": "https://ecabinet.gov.vn/",
            "ECABINET_LANGUAGE": "en",
            "ECABINET_DEBUG": "true",
            "PORT": "1",  # not ours
        }
    )
    assert settings.port == 9090
    assert settings.host == "0.0.0.0"  # noqa: S104
    assert settings.data_dir == tmp_path
    assert settings.resolved_database_url == "postgresql+asyncpg://ecabinet@db/ecabinet"
    assert settings.time_zone == "Asia/Bangkok"
    assert settings.zone.key == "Asia/Bangkok"
    assert settings.secret_key == LONG_SECRET
    assert settings.previous_secret_keys == ("a" * 40, "b" * 40)
    assert settings.secure_cookies
    assert settings.base_url == "https://ecabinet.gov.vn"
    assert settings.default_language == "en"
    assert settings.debug


def test_sqlite_database_defaults_to_the_data_dir(tmp_path):
    settings = Settings.from_env({"ECABINET_DATA_DIR": str(tmp_path)})
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path / 'ecabinet.db'}"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("PORT", "eighty", "ECABINET_PORT must be a whole number, not 'eighty'"),
        ("PORT", "0", "ECABINET_PORT must be between 1 and 65535, not 0"),
        ("PORT", "65536", "ECABINET_PORT must be between 1 and 65535, not 65536"),
        ("PORT", "-1", "ECABINET_PORT must be between 1 and 65535, not -1"),
        ("TIME_ZONE", "Asia/Hanoi_City", "ECABINET_TIME_ZONE 'Asia/Hanoi_City' is unknown"),
        ("TIME_ZONE", "../../etc/passwd", "ECABINET_TIME_ZONE '../../etc/passwd' is unknown"),
        ("LANGUAGE", "fr", "ECABINET_LANGUAGE must be 'vi' or 'en'"),
        (
            "SECRET_KEY",
            "x" * (MIN_SECRET_LENGTH - 1),
            f"ECABINET_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters long",
        ),
    ],
)
def test_bad_values_raise_a_clear_settings_error(variable, value, message):
    with pytest.raises(SettingsError) as info:
        Settings.from_env({f"ECABINET_{variable}": value})
    assert str(info.value) == message
    # The message names the variable but never echoes a secret back.
    if variable == "SECRET_KEY":
        assert value not in str(info.value)


def test_settings_built_directly_are_checked_too():
    with pytest.raises(SettingsError, match="ECABINET_PORT"):
        Settings(port=70000)


# ---------------------------------------------------------------- the secret key


def test_secret_key_is_generated_into_the_data_dir_with_mode_0600(tmp_path):
    data_dir = tmp_path / "fresh" / "var"
    settings = Settings(data_dir=data_dir).with_secret()
    key_file = data_dir / SECRET_KEY_FILE
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text(encoding="ascii").strip() == settings.secret_key
    assert len(settings.secret_key) >= MIN_SECRET_LENGTH
    # no temp file left; the CA passphrase (development) beside it
    assert sorted(p.name for p in data_dir.iterdir()) == [CA_PASSPHRASE_FILE, SECRET_KEY_FILE]


def test_generated_secret_key_is_reused_on_the_next_start(tmp_path):
    first = Settings(data_dir=tmp_path).with_secret()
    second = Settings.from_env({"ECABINET_DATA_DIR": str(tmp_path)}).with_secret()
    assert second.secret_key == first.secret_key


def test_every_installation_gets_its_own_secret_key(tmp_path):
    one = Settings(data_dir=tmp_path / "one").with_secret()
    two = Settings(data_dir=tmp_path / "two").with_secret()
    assert one.secret_key != two.secret_key


def test_a_given_secret_key_wins_and_nothing_is_written(tmp_path):
    settings = Settings(data_dir=tmp_path / "var", secret_key=LONG_SECRET, ca_passphrase="x" * 20)
    assert settings.with_secret().secret_key == LONG_SECRET
    assert settings.with_secret().ca_passphrase == "x" * 20
    assert not (tmp_path / "var").exists()


def test_development_generates_a_ca_passphrase_once_with_mode_0600(tmp_path):
    first = Settings(data_dir=tmp_path).with_secret()
    path = tmp_path / CA_PASSPHRASE_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.ca_passphrase) >= MIN_SECRET_LENGTH
    assert first.ca_passphrase != first.secret_key
    again = Settings.from_env({"ECABINET_DATA_DIR": str(tmp_path)}).with_secret()
    assert again.ca_passphrase == first.ca_passphrase


def test_production_never_generates_a_ca_passphrase(tmp_path):
    settings = Settings(data_dir=tmp_path, environment="production").with_secret()
    assert settings.ca_passphrase == ""
    assert not (tmp_path / CA_PASSPHRASE_FILE).exists()
    # and preflight still refuses to start without one
    found = preflight.problems(Settings(data_dir=tmp_path, environment="production"))
    assert any("ECABINET_CA_PASSPHRASE is not set" in p for p in found)


def test_a_too_short_key_file_is_refused_not_used(tmp_path):
    (tmp_path / SECRET_KEY_FILE).write_text("short\n", encoding="ascii")
    with pytest.raises(SettingsError, match="too short; delete it to regenerate"):
        Settings(data_dir=tmp_path).with_secret()
