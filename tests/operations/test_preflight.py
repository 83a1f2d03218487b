"""With ECABINET_ENV=production the server refuses to start on an unsafe configuration and says
why in one line each, exit status 1; development starts with what a laptop has."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ecabinet import preflight
from ecabinet.config import Settings

ROOT = Path(__file__).resolve().parents[2]
STRONG = "kX3-vQ9_pL2mZ7rT4wY8bN6cF1hJ5dS0gA-eU"
GOOD = {
    "ECABINET_ENV": "production",
    "ECABINET_SECRET_KEY": STRONG,
    "ECABINET_PUBLIC_URL": "https://ecabinet.gov.vn",
    "ECABINET_CA_PASSPHRASE": "một cụm mật khẩu đủ dài cho CA",
    "ECABINET_DATABASE_URL": "postgresql+asyncpg://ecabinet@127.0.0.1:1/none",
}


def serve(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ECABINET_")}
    environ.update({"ECABINET_DATA_DIR": str(tmp_path / "var"), "ECABINET_PORT": "1"}, **env)
    return subprocess.run(
        [sys.executable, "run.py", "serve"],
        cwd=ROOT,
        env={k: v for k, v in environ.items() if v != ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"ECABINET_SECRET_KEY": ""}, "ECABINET_SECRET_KEY is not set"),
        ({"ECABINET_SECRET_KEY": "ab" * 20}, "ECABINET_SECRET_KEY is weak: too repetitive"),
        ({"ECABINET_SECRET_KEY": "changeme-" + STRONG}, "contains the word 'changeme'"),
        ({"ECABINET_PREVIOUS_SECRET_KEYS": "x" * 40}, "ECABINET_PREVIOUS_SECRET_KEYS entry 1"),
        ({"ECABINET_DEBUG": "1"}, "ECABINET_DEBUG is on"),
        ({"ECABINET_PUBLIC_URL": ""}, "ECABINET_PUBLIC_URL must be the https://"),
        ({"ECABINET_PUBLIC_URL": "http://ecabinet.gov.vn"}, "ECABINET_PUBLIC_URL must be"),
        ({"ECABINET_CA_PASSPHRASE": ""}, "ECABINET_CA_PASSPHRASE is not set"),
        ({"ECABINET_CA_PASSPHRASE": "short"}, "ECABINET_CA_PASSPHRASE is shorter than 16"),
    ],
    ids=[
        "missing-secret",
        "repetitive-secret",
        "dictionary-secret",
        "weak-previous-secret",
        "debug",
        "no-public-url",
        "http-public-url",
        "missing-ca-passphrase",
        "short-ca-passphrase",
    ],
)
def test_each_unsafe_setting_is_named_in_one_line(change, expected):
    env = {k: v for k, v in {**GOOD, **change}.items() if v}
    found = preflight.problems(Settings.from_env(env))
    assert len(found) == 1, found
    assert expected in found[0]
    assert "\n" not in found[0]


def test_the_server_refuses_to_start_and_says_why(tmp_path):
    done = serve(tmp_path, **{**GOOD, "ECABINET_SECRET_KEY": ""})
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines == [
        "error: ECABINET_SECRET_KEY is not set "
        "(a key generated into the data dir is for development)",
        "error: refusing to start in production (ECABINET_ENV=production)",
    ]
    assert not (tmp_path / "var" / "secret_key").exists()  # nothing generated


def test_every_problem_is_listed_at_once(tmp_path):
    done = serve(tmp_path, ECABINET_ENV="production", ECABINET_DEBUG="true")
    assert done.returncode == 1
    problems = done.stderr.strip().splitlines()[:-1]
    assert len(problems) == 4  # secret, debug, public URL, CA passphrase
    assert all(p.startswith("error: ") for p in problems)


def test_a_good_production_configuration_passes_the_checks():
    assert preflight.problems(Settings.from_env(GOOD)) == []


def test_development_is_not_checked(tmp_path):
    settings = Settings.from_env({"ECABINET_DEBUG": "1", "ECABINET_DATA_DIR": str(tmp_path)})
    assert preflight.problems(settings) == []


MOUNTS = """\
sysfs /sys sysfs rw,nosuid 0 0
/dev/sda1 / ext4 rw,relatime 0 0
{share} {point} {fstype} rw,relatime 0 0
"""


@pytest.mark.parametrize("fstype", ["nfs4", "cifs", "smb3", "fuse.sshfs"])
def test_sqlite_on_a_network_file_system_is_refused(tmp_path, fstype):
    data_dir = tmp_path / "share" / "var"
    data_dir.mkdir(parents=True)
    mounts = tmp_path / "mounts"
    point = os.path.realpath(tmp_path / "share")
    mounts.write_text(MOUNTS.format(share="server:/export", point=point, fstype=fstype))
    env = {**GOOD, "ECABINET_DATABASE_URL": "", "ECABINET_DATA_DIR": str(data_dir)}
    found = preflight.problems(Settings.from_env(env), mounts_file=mounts)
    assert len(found) == 1
    assert found[0].startswith(f"the SQLite database is on a network file system ({fstype}")


def test_sqlite_on_a_local_disk_beside_a_network_mount_is_accepted(tmp_path):
    mounts = tmp_path / "mounts"
    elsewhere = os.path.realpath(tmp_path / "other")
    mounts.write_text(MOUNTS.format(share="server:/export", point=elsewhere, fstype="nfs4"))
    env = {**GOOD, "ECABINET_DATABASE_URL": "", "ECABINET_DATA_DIR": str(tmp_path / "var")}
    assert preflight.problems(Settings.from_env(env), mounts_file=mounts) == []


def test_the_real_proc_mounts_is_read():
    assert preflight.mount_type(Path("/")) != ""


def test_production_logs_json_by_default_and_bad_values_are_refused():
    from ecabinet.config import SettingsError

    assert Settings.from_env({"ECABINET_ENV": "production"}).log_format == "json"
    assert Settings.from_env({}).log_format == "text"
    assert Settings.from_env({"ECABINET_LOG_FORMAT": "JSON"}).log_format == "json"
    with pytest.raises(SettingsError, match="ECABINET_ENV must be"):
        Settings.from_env({"ECABINET_ENV": "prod"})
    with pytest.raises(SettingsError, match="ECABINET_LOG_FORMAT must be"):
        Settings.from_env({"ECABINET_LOG_FORMAT": "xml"})
