"""Command line of the e-Cabinet server.

    python run.py [serve]            serve http://ECABINET_HOST:ECABINET_PORT
    python run.py migrate            bring the database schema up to date
    python run.py seed-demo [--if-empty]
    python run.py create-org --slug SLUG --name NAME --level LEVEL [--parent SLUG]
    python run.py create-user --username U --role R --org SLUG --password-stdin [--name N]
                                     [--title T] [--email E] (the address invitations go to)
    python run.py verify FILE.pdf [--trust CA.pem ...] [--lang vi|en]
                                     exit 0 only if every signature is valid and trusted
    python run.py audit verify       exit 0 if the audit chain is intact; else names the entry
    python run.py serve --workers N  N processes on one port (SO_REUSEPORT); docs/deploy.md
    python run.py backup DEST        database, documents, secret key + manifest.json (SHA-256)
    python run.py restore SRC [--force]
                                     verify the manifest, then restore into an empty data dir
    python run.py sso-link --username U --provider P --subject S [--unlink]
                                     let the provider's subject S sign in as U (or stop it)
    python run.py blobs-reseal       seal plaintext documents and re-wrap those sealed under a
                                     previous secret (after a rotation); docs/deploy.md

Exit status 0 on success; otherwise a one-line message on stderr and status 1 (2 for usage).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from ecabinet import logs
from ecabinet.app import build_services
from ecabinet.config import Settings, SettingsError
from ecabinet.errors import DomainError
from ecabinet.migrate import upgrade
from ecabinet.models import OrganizationLevel, Role, User
from ecabinet.schemas.directory import OrganizationIn, UserIn
from ecabinet.services import directory, seed, sso
from ecabinet.services.context import Services


def configure_logging(settings: Settings) -> None:
    """JSON lines with ECABINET_LOG_FORMAT=json (the default in production), else text."""
    logs.configure(settings.log_format, settings.debug)


def with_services(settings: Settings, work: Callable[[Services], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        svc = build_services(settings)
        try:
            return await work(svc)
        finally:
            await svc.db.close()

    return asyncio.run(main())


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from ecabinet import preflight
    from ecabinet.serve import serve, serve_workers

    found = preflight.problems(settings)
    for problem in found:
        print(f"error: {problem}", file=sys.stderr)
    if found:
        print("error: refusing to start in production (ECABINET_ENV=production)", file=sys.stderr)
        return 1
    workers = getattr(args, "workers", 1) or 1
    if workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    where = f"http://{settings.host}:{settings.port}"
    print(f"e-Cabinet serving on {where} ({workers} worker(s))", flush=True)
    if workers > 1:
        return serve_workers(settings, workers)
    serve(settings)
    return 0


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from ecabinet.backup import BackupError, backup

    try:
        summary = backup(settings, Path(args.dest))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"backup written to {summary.path}: {summary.database} database and "
        f"{summary.files - 1} files, {summary.bytes} bytes; SHA-256 in manifest.json"
    )
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from ecabinet.backup import BackupError, restore

    try:
        summary = restore(settings, Path(args.src), force=args.force)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"restored {summary.database} database and {summary.files - 1} files from {summary.path} "
        f"into {settings.data_dir}; run `python run.py migrate` if this server is newer"
    )
    return 0


def cmd_blobs_reseal(settings: Settings, _args: argparse.Namespace) -> int:
    from ecabinet.files.reseal import reseal_all
    from ecabinet.files.sealing import Sealer

    settings = settings.with_secret()
    sealer = Sealer(settings.secret_key, settings.previous_secret_keys)
    summary = reseal_all(settings.data_dir / "documents", sealer)
    for failure in summary.failed:
        print(f"error: {failure}", file=sys.stderr)
    print(
        f"{summary.sealed} files sealed, {summary.rewrapped} re-wrapped under the current "
        f"secret, {summary.unchanged} already current, {len(summary.failed)} failed"
    )
    return 1 if summary.failed else 0


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    print("database is up to date")
    return 0


def cmd_seed_demo(settings: Settings, args: argparse.Namespace) -> int:
    async def work(svc: Services) -> list[seed.SeededUser] | None:
        if not await seed.database_is_empty(svc):
            return None
        return await seed.seed_demo(svc)

    seeded = with_services(settings, work)
    if seeded is None:
        if args.if_empty:
            return 0
        print(
            "error: the database already has users; seed-demo runs on an empty one only",
            file=sys.stderr,
        )
        return 1
    print("Demo accounts (passwords are shown once and stored only as hashes):")
    print(f"  {'username':<24} {'role':<10} {'password':<18} organization")
    for user in seeded:
        print(
            f"  {user.username:<24} {user.role.value:<10} {user.password:<18} {user.organization}"
        )
    return 0


def cmd_create_org(settings: Settings, args: argparse.Namespace) -> int:
    async def work(svc: Services) -> str:
        parent_id = None
        if args.parent:
            async with svc.db.reading() as session:
                parent_id = (await directory.organization_by_slug(session, args.parent)).id
        org = await directory.create_organization(
            svc,
            None,
            OrganizationIn(
                slug=args.slug,
                name=args.name,
                level=OrganizationLevel(args.level),
                parent_id=parent_id,
            ),
        )
        return f"created organization {org.slug} (id {org.id})"

    print(with_services(settings, work))
    return 0


def cmd_create_user(settings: Settings, args: argparse.Namespace) -> int:
    if not args.password_stdin:
        print("error: pass --password-stdin and the password on standard input", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\r\n")

    async def work(svc: Services) -> str:
        async with svc.db.reading() as session:
            org = await directory.organization_by_slug(session, args.org)
        user, _ = await directory.create_user(
            svc,
            None,
            UserIn(
                username=args.username,
                full_name=args.name or args.username,
                title=args.title or "",
                role=Role(args.role),
                organization_id=org.id,
                email=args.email or None,
                password=password,
            ),
        )
        return f"created user {user.username} (id {user.id}, {user.role.value})"

    print(with_services(settings, work))
    return 0


def cmd_sso_link(settings: Settings, args: argparse.Namespace) -> int:
    """Link (or with --unlink, unlink) a provider subject to a user; audited as the system."""

    async def work(svc: Services) -> str:
        async with svc.db.reading() as session:
            user = await session.scalar(select(User).where(User.username == args.username))
        if user is None:
            raise DomainError(f"No user {args.username!r}.", code="user_not_found")
        if not args.unlink:
            await sso.link_user(
                svc, None, svc.settings.oidc_providers, user.id, args.provider, args.subject
            )
            return f"linked {args.provider} subject {args.subject!r} to {user.username}"
        links = await sso.links_of(svc, user.id)
        found = [lk for lk in links if lk.provider == args.provider and lk.subject == args.subject]
        if not found:
            raise DomainError("No such link.", code="sso_link_not_found")
        await sso.unlink_user(svc, None, user.id, found[0].id)
        return f"unlinked {args.provider} subject {args.subject!r} from {user.username}"

    print(with_services(settings, work))
    return 0


def cmd_verify(settings: Settings, args: argparse.Namespace) -> int:
    """Verify every signature of a PDF against the platform CA, the configured roots and --trust."""
    from pathlib import Path

    from cryptography import x509

    from ecabinet.services import verification

    try:
        data = Path(args.file).read_bytes()
        extra = [
            c
            for path in args.trust
            for c in x509.load_pem_x509_certificates(Path(path).read_bytes())
        ]
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not settings.debug:
        logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
        logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)

    async def work(svc: Services) -> verification.VerificationReport:
        roots = [*await verification.trust_roots(svc), *extra]
        return await asyncio.to_thread(verification.verify_pdf, data, roots)

    try:
        report = with_services(settings, work)
    except DBAPIError:
        print(
            "warning: no migrated database here, so the platform CA is not trusted; "
            "pass it with --trust",
            file=sys.stderr,
        )
        report = verification.verify_pdf(data, extra)
    lang = args.lang or settings.default_language

    def say(key: str) -> str:
        return verification.label(key, lang)

    for n, sig in enumerate(report.signatures, start=1):
        when = sig.signing_time.astimezone(settings.zone).isoformat() if sig.signing_time else "-"
        stamp = (
            sig.timestamp.astimezone(settings.zone).isoformat()
            if sig.timestamp
            else say("no_timestamp")
        )
        print(f"#{n} {sig.field_name}: {say('valid' if sig.valid else 'invalid')}")
        print(f"  {say('signer')}: {sig.signer}  ({sig.subject})")
        print(f"  {say('issuer')}: {sig.issuer}")
        print(f"  {say('signing_time')}: {when}")
        print(f"  {say('timestamp')}: {stamp}")
        print(f"  {say('integrity')}: {say(sig.integrity_key)}")
        print(f"  {say('trust')}: {say(sig.trust_key)}")
        print(f"  {say('changes')}: {say(sig.modification)}")
    print(say(report.summary_key))
    return 0 if report.all_valid else 1


def cmd_audit(settings: Settings, args: argparse.Namespace) -> int:
    from ecabinet.services import audit_log

    report = with_services(settings, lambda svc: audit_log.verify(svc, None))
    if report.intact:
        print(f"audit chain intact: {report.length} entries, head {report.head_hash}")
        return 0
    print(
        f"audit chain BROKEN at entry seq={report.first_bad_seq} "
        f"(edited, deleted or reordered; entries before it are intact)",
        file=sys.stderr,
    )
    return 1


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="run.py", description="e-Cabinet server")
    sub = p.add_subparsers(dest="command")
    sv = sub.add_parser("serve", help="serve the web application (default)")
    sv.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes sharing the port (SO_REUSEPORT); docs/deploy.md",
    )
    b = sub.add_parser("backup", help="back up the database, documents and secret key")
    b.add_argument("dest", help="a new or empty directory")
    r = sub.add_parser("restore", help="restore a backup (the server must be stopped)")
    r.add_argument("src", help="a directory written by `run.py backup`")
    r.add_argument("--force", action="store_true", help="overwrite a non-empty data dir")
    sub.add_parser("migrate", help="apply database migrations")
    s = sub.add_parser("seed-demo", help="create demo organizations, endpoints and users")
    s.add_argument("--if-empty", action="store_true", help="do nothing if users exist")
    o = sub.add_parser("create-org", help="create an organization")
    o.add_argument("--slug", required=True)
    o.add_argument("--name", required=True)
    o.add_argument("--level", required=True, choices=[lv.value for lv in OrganizationLevel])
    o.add_argument("--parent", help="slug of the parent organization")
    u = sub.add_parser("create-user", help="create a user")
    u.add_argument("--username", required=True)
    u.add_argument("--role", required=True, choices=[r.value for r in Role])
    u.add_argument("--org", required=True, help="slug of the user's organization")
    u.add_argument("--name", help="full name (defaults to the username)")
    u.add_argument("--title", help="job title")
    u.add_argument("--email", help="e-mail address for invitations (checked as on the admin page)")
    u.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    v = sub.add_parser("verify", help="verify the signatures of a PDF")
    v.add_argument("file", help="the PDF file")
    v.add_argument("--trust", action="append", default=[], help="extra trusted root (PEM)")
    v.add_argument("--lang", choices=["vi", "en"], help="language of the report")
    k = sub.add_parser("sso-link", help="link a single sign-on identity to a user")
    k.add_argument("--username", required=True)
    k.add_argument("--provider", required=True, help="a name in ECABINET_OIDC_PROVIDERS")
    k.add_argument("--subject", required=True, help="the provider's stable `sub` of the person")
    k.add_argument("--unlink", action="store_true", help="remove the link instead")
    sub.add_parser(
        "blobs-reseal",
        help="seal plaintext documents; re-wrap documents sealed under a previous secret",
    )
    a = sub.add_parser("audit", help="audit log tools")
    a.add_argument("action", choices=["verify"], help="verify: check the hash chain")
    return p


COMMANDS = {
    None: cmd_serve,
    "serve": cmd_serve,
    "migrate": cmd_migrate,
    "seed-demo": cmd_seed_demo,
    "create-org": cmd_create_org,
    "create-user": cmd_create_user,
    "verify": cmd_verify,
    "audit": cmd_audit,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "blobs-reseal": cmd_blobs_reseal,
    "sso-link": cmd_sso_link,
}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        configure_logging(settings)
        return COMMANDS[args.command](settings, args)
    except (SettingsError, DomainError) as exc:
        message = exc.message if isinstance(exc, DomainError) else str(exc)
        print(f"error: {message}", file=sys.stderr)
        return 1
    except DBAPIError as exc:
        if "no such table" in str(exc) or "does not exist" in str(exc):
            print(
                "error: the database is not migrated; run `python run.py migrate` first",
                file=sys.stderr,
            )
            return 1
        raise
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in first["loc"])
        print(f"error: {field}: {first['msg']}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
