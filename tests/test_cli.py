"""The command line (``python run.py …``) as an operator uses it: real processes, a real SQLite
file, exit statuses and messages; demo passwords are printed once and stored only as hashes."""

from __future__ import annotations

import asyncio
import os
import re
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from ecabinet.app import build_services
from ecabinet.config import CA_PASSPHRASE_FILE, Settings
from ecabinet.migrate import upgrade
from ecabinet.models import Organization, OrganizationLevel, Role, SignerCredential, User
from ecabinet.services import auth
from ecabinet.services.context import Services

ROOT = Path(__file__).resolve().parents[1]
USER_PASSWORD = "mật khẩu đủ dài 2026"


@dataclass(frozen=True)
class Installation:
    """A data dir and SQLite database that the CLI and the test both point at."""

    data_dir: Path
    database_url: str

    @property
    def database_file(self) -> Path:
        return self.data_dir / "ecabinet.db"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ECABINET_")}
        env["ECABINET_DATA_DIR"] = str(self.data_dir)
        env["ECABINET_DATABASE_URL"] = self.database_url
        return env

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "run.py", *args],
            cwd=ROOT,
            env=self.env(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def services(self) -> Services:
        return build_services(Settings(data_dir=self.data_dir, database_url=self.database_url))


def make_installation(base: Path) -> Installation:
    data_dir = base / "var"
    return Installation(data_dir, f"sqlite+aiosqlite:///{data_dir / 'ecabinet.db'}")


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Installation:
    return make_installation(tmp_path_factory.mktemp("cli"))


@pytest.fixture(scope="module")
def migrated(installation: Installation) -> subprocess.CompletedProcess[str]:
    """``run.py migrate`` on a fresh data dir, then the Government Office created by the CLI."""
    result = installation.run("migrate")
    assert result.returncode == 0, result.stderr
    created = installation.run(
        "create-org", "--slug", "vpcp", "--name", "Văn phòng Chính phủ", "--level", "government"
    )
    assert created.returncode == 0, created.stderr
    assert re.fullmatch(r"created organization vpcp \(id \d+\)\n", created.stdout)
    return result


def query(inst: Installation, statement):  # type: ignore[no-untyped-def]
    async def work() -> list:  # type: ignore[type-arg]
        svc = inst.services()
        try:
            async with svc.db.reading() as session:
                return list((await session.execute(statement)).all())
        finally:
            await svc.db.close()

    return asyncio.run(work())


def login(inst: Installation, username: str, password: str) -> auth.TokenPair:
    async def work() -> auth.TokenPair:
        svc = inst.services()
        try:
            return await auth.login_api(svc, username, password, address="127.0.0.1")
        finally:
            await svc.db.close()

    return asyncio.run(work())


# ---------------------------------------------------------------- migrate and create-org


def test_migrate_creates_the_database_and_a_secret_key(installation, migrated):
    assert "database is up to date" in migrated.stdout
    assert installation.database_file.is_file()
    assert (installation.data_dir / "secret_key").is_file()
    rows = query(installation, select(Organization.slug, Organization.level))
    assert rows == [("vpcp", OrganizationLevel.GOVERNMENT)]


def test_create_org_under_a_parent(installation, migrated):
    result = installation.run(
        "create-org", "--slug", "bo-y-te", "--name", "Bộ Y tế", "--level", "ministry",
        "--parent", "vpcp",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    parent = query(installation, select(Organization.id).where(Organization.slug == "vpcp"))
    child = query(
        installation, select(Organization.parent_id).where(Organization.slug == "bo-y-te")
    )
    assert child == parent


def test_create_org_with_a_taken_slug_fails_and_says_so(installation, migrated):
    result = installation.run(
        "create-org", "--slug", "vpcp", "--name", "Bản sao", "--level", "government"
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "error: The slug 'vpcp' is taken."
    assert result.stdout == ""


def test_create_org_with_a_bad_level_fails_and_lists_the_levels(installation, migrated):
    result = installation.run("create-org", "--slug", "xa-x", "--name", "X", "--level", "village")
    assert result.returncode != 0
    assert "invalid choice: 'village'" in result.stderr
    assert "commune" in result.stderr
    assert "Traceback" not in result.stderr


def test_create_org_with_an_unknown_parent_fails(installation, migrated):
    result = installation.run(
        "create-org", "--slug", "ha-noi", "--name", "Hà Nội", "--level", "province",
        "--parent", "khong-co",
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip() == "error: No organization with slug 'khong-co'."
    assert query(installation, select(Organization.id).where(Organization.slug == "ha-noi")) == []


# ---------------------------------------------------------------- create-user


def create_user(inst: Installation, username: str, *, role: str = "secretary", org: str = "vpcp",
                password: str = USER_PASSWORD, extra: tuple[str, ...] = ()
                ) -> subprocess.CompletedProcess[str]:  # fmt: skip
    return inst.run(
        "create-user", "--username", username, "--role", role, "--org", org, "--password-stdin",
        *extra, stdin=password + "\n",
    )  # fmt: skip


def test_create_user_reads_the_password_from_stdin_and_can_log_in(installation, migrated):
    result = create_user(installation, "thuky")
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"created user thuky \(id \d+, secretary\)\n", result.stdout)
    [(role, password_hash)] = query(
        installation, select(User.role, User.password_hash).where(User.username == "thuky")
    )
    assert role == Role.SECRETARY
    assert password_hash.startswith("$argon2id$")
    assert USER_PASSWORD not in password_hash
    assert login(installation, "thuky", USER_PASSWORD).access_token

    duplicate = create_user(installation, "thuky", role="delegate")
    assert duplicate.returncode == 1
    assert duplicate.stderr.strip() == "error: The username 'thuky' is taken."


def test_create_user_with_an_email_stores_it_for_the_invitations(installation, migrated):
    result = create_user(installation, "botruong", extra=("--email", "bo.truong@moh.gov.vn"))
    assert result.returncode == 0, result.stderr
    stored = query(installation, select(User.email).where(User.username == "botruong"))
    assert stored == [("bo.truong@moh.gov.vn",)]


def test_create_user_with_a_bad_email_fails_like_the_admin_page(installation, migrated):
    for bad in ("not-an-address", "a@b", "thu ky@vpcp.gov.vn"):
        result = create_user(installation, "sai", extra=("--email", bad))
        assert result.returncode == 1, bad
        assert result.stderr.startswith("error: email: "), result.stderr
        assert "Traceback" not in result.stderr
    assert query(installation, select(User.id).where(User.username == "sai")) == []


def test_create_user_in_an_unknown_organization_fails(installation, migrated):
    result = create_user(installation, "nguoi-la", org="khong-co")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: No organization with slug 'khong-co'."


def test_create_user_with_a_bad_role_fails(installation, migrated):
    result = create_user(installation, "vua", role="king")
    assert result.returncode != 0
    assert "invalid choice: 'king'" in result.stderr
    assert "operator" in result.stderr


def test_create_user_with_a_short_password_fails_and_creates_nothing(installation, migrated):
    result = create_user(installation, "ngan", password="short")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert "password" in result.stderr
    assert "10 characters" in result.stderr
    assert "Traceback" not in result.stderr
    assert query(installation, select(User.id).where(User.username == "ngan")) == []


# ---------------------------------------------------------------- seed-demo

SEED_LINE = re.compile(r"^  (\S+)\s+(admin|secretary|member|delegate|operator)\s+(\S+)\s+(.+)$")


def test_seed_demo_prints_every_account_once_and_stores_only_hashes(tmp_path):
    inst = make_installation(tmp_path)
    upgrade(inst.database_url)

    result = inst.run("seed-demo")
    assert result.returncode == 0, result.stderr
    accounts = [m.groups() for m in map(SEED_LINE.match, result.stdout.splitlines()) if m]
    assert {role for _, role, _, _ in accounts} == {r.value for r in Role}
    organizations = {org for _, _, _, org in accounts}
    assert {
        "Văn phòng Chính phủ",
        "Thành phố Hải Phòng",
        "Tỉnh Nghệ An",
        "Tỉnh Thái Nguyên",
    } <= organizations
    passwords = {username: password for username, _, password, _ in accounts}
    assert len(set(passwords.values())) == len(passwords)  # every account its own password
    assert all(len(p) >= 10 for p in passwords.values())

    stored = query(inst, select(User.username, User.password_hash, User.must_change_password))
    assert {u for u, _, _ in stored} == set(passwords)
    assert all(must_change for _, _, must_change in stored)
    on_disk = b"".join(p.read_bytes() for p in inst.data_dir.glob("ecabinet.db*"))
    for password in passwords.values():
        assert password.encode() not in on_disk

    assert login(inst, "admin", passwords["admin"]).access_token
    member = next(u for u, role, _, _ in accounts if role == "member")
    assert login(inst, member, passwords[member]).access_token
    with pytest.raises(auth.InvalidCredentials):
        login(inst, "admin", passwords[member])

    # out of the box the demo signs: a CA passphrase generated into the data dir (0600) and a
    # platform certificate for every demo signer (the secretary and the members)
    assert stat.S_IMODE((inst.data_dir / CA_PASSPHRASE_FILE).stat().st_mode) == 0o600
    holders = {
        u
        for (u,) in query(
            inst,
            select(User.username).join(SignerCredential, SignerCredential.user_id == User.id),
        )
    }
    signers = {u for u, role, _, _ in accounts if role in ("secretary", "member")}
    assert signers and holders == signers

    again = inst.run("seed-demo")
    assert again.returncode == 1
    assert "already has users" in again.stderr
    quiet = inst.run("seed-demo", "--if-empty")
    assert quiet.returncode == 0
    assert quiet.stdout == ""
    assert len(query(inst, select(User.id))) == len(passwords)
