"""Settings read from ``ECABINET_*`` environment variables.

Nothing here has side effects at import time; :func:`Settings.from_env` is called by ``run.py``
and by tests, which may also build a :class:`Settings` directly.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name)
CA_PASSPHRASE_FILE = "ca_passphrase"  # noqa: S105 (a file name; development only)
MIN_SECRET_LENGTH = 32


class SettingsError(ValueError):
    """A setting has a value the server cannot run with."""


def _days(values: tuple[str, ...]) -> tuple[int, ...]:
    if not all(v.isdigit() and 0 < int(v) <= 365 for v in values):
        raise SettingsError(f"ECABINET_TASK_REMINDER_DAYS must be days (1-365), not {values!r}")
    return tuple(sorted({int(v) for v in values}, reverse=True))


def _protocol(value: str) -> str:
    if value.lower() not in ("smtp", "lmtp"):
        raise SettingsError(f"ECABINET_INBOUND_MAIL_PROTOCOL must be smtp or lmtp, not {value!r}")
    return value.lower()


PROVIDER_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
ROLES = ("admin", "secretary", "member", "delegate", "operator")
# Asymmetric algorithms only: an HMAC-signed ID token (keyed with the client secret) is refused.
OIDC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA")


def _loopback_http(url: str) -> bool:
    return re.match(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)", url) is not None


@dataclass(frozen=True, slots=True)
class OidcProvider:
    """An organization's OpenID provider users may sign in with (docs/deploy.md, "Single
    sign-on"). ``name`` is the short name in URLs (``/auth/oidc/<name>/login``)."""

    name: str
    issuer: str
    client_id: str
    client_secret: str = field(default="", repr=False)
    display_name: str = ""
    # A first login by a subject no account is linked to makes an account only when allowed,
    # in this organization (slug) with this role.
    provision: bool = False
    provision_organization: str = ""
    provision_role: str = "member"
    scopes: tuple[str, ...] = ("openid", "profile", "email")
    algorithms: tuple[str, ...] = ("RS256", "PS256", "ES256", "EdDSA")

    def __post_init__(self) -> None:
        where = f"ECABINET_OIDC_PROVIDERS ({self.name!r})"
        if not PROVIDER_NAME.match(self.name):
            raise SettingsError(f"{where}: name must be 1-32 of a-z, 0-9 and -")
        if not (self.issuer.startswith("https://") or _loopback_http(self.issuer)):
            raise SettingsError(f"{where}: issuer must be an https:// URL")
        if not self.client_id:
            raise SettingsError(f"{where}: client_id is required")
        if "openid" not in self.scopes:
            raise SettingsError(f"{where}: scopes must include openid")
        if not self.algorithms or not set(self.algorithms) <= set(OIDC_ALGORITHMS):
            raise SettingsError(f"{where}: algorithms must be among {', '.join(OIDC_ALGORITHMS)}")
        if self.provision and not self.provision_organization:
            raise SettingsError(f"{where}: provision needs provision_organization (a slug)")
        if self.provision_role not in ROLES:
            raise SettingsError(f"{where}: provision_role must be one of {', '.join(ROLES)}")

    @property
    def label(self) -> str:
        return self.display_name or self.name


_PROVIDER_KEYS = {f for f in OidcProvider.__dataclass_fields__}


def _oidc_providers(raw: str) -> tuple[OidcProvider, ...]:
    """A JSON list of providers, inline or in the file it names (keep that file mode 0600: it
    holds client secrets)."""
    if not raw:
        return ()
    text = raw
    if not raw.lstrip().startswith("["):
        try:
            text = Path(raw).read_text(encoding="utf-8")
        except OSError as exc:
            raise SettingsError(
                f"ECABINET_OIDC_PROVIDERS must be a JSON list or a readable file: {exc}"
            ) from exc
    try:
        items = json.loads(text)
    except ValueError as exc:
        raise SettingsError(f"ECABINET_OIDC_PROVIDERS is not valid JSON: {exc}") from exc
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise SettingsError("ECABINET_OIDC_PROVIDERS must be a JSON list of objects")
    providers = []
    for item in items:
        unknown = set(item) - _PROVIDER_KEYS
        if unknown:
            raise SettingsError(f"ECABINET_OIDC_PROVIDERS: unknown keys {sorted(unknown)}")
        try:
            values = {k: tuple(v) if isinstance(v, list) else v for k, v in item.items()}
            providers.append(OidcProvider(**values))
        except TypeError as exc:
            raise SettingsError(f"ECABINET_OIDC_PROVIDERS: {exc}") from exc
    names = [p.name for p in providers]
    if len(set(names)) != len(names):
        raise SettingsError("ECABINET_OIDC_PROVIDERS: two providers have the same name")
    return tuple(providers)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the server needs to know about its surroundings."""

    data_dir: Path = Path("var")
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8080
    time_zone: str = "Asia/Ho_Chi_Minh"
    secret_key: str = ""
    previous_secret_keys: tuple[str, ...] = ()
    public_url: str = ""
    default_language: str = "vi"
    access_token_ttl: int = 15 * 60
    refresh_token_ttl: int = 30 * 24 * 3600
    browser_session_idle_ttl: int = 12 * 3600
    max_json_body: int = 1024 * 1024
    max_upload_bytes: int = 200 * 1024 * 1024
    # Follow-up tasks: attachments to progress reports, reminders N days before a deadline.
    max_attachment_bytes: int = 20 * 1024 * 1024
    task_reminder_days: tuple[int, ...] = (7, 1)
    login_failures_per_account: int = 5
    login_failures_per_address: int = 20
    login_throttle_window: int = 15 * 60
    issuer: str = "ecabinet"
    # Signing (PAdES): the platform CA's key passphrase, an RFC 3161 time-stamp authority, and
    # extra trust anchors (a PEM bundle path: the national root CAs in production).
    ca_passphrase: str = field(default="", repr=False)
    tsa_url: str = ""
    signing_trust_roots: str = ""
    signer_agent_url: str = "http://127.0.0.1:8731"
    max_verify_upload: int = 32 * 1024 * 1024
    debug: bool = False
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    mail_from: str = "ecabinet@localhost"
    outbox_poll_seconds: float = 5.0
    # Inbound iTIP (REPLY, COUNTER) from calendar clients (docs/scheduling.md, "Replies"):
    # the SMTP receiver's port (0: off), its address, the address invitations name as
    # ORGANIZER so that replies come to it, and whether a passing DKIM result is required.
    inbound_mail_port: int = 0
    inbound_mail_host: str = "127.0.0.1"
    inbound_mail_protocol: str = "smtp"  # or "lmtp" (what Postfix's lmtp: transport speaks)
    itip_reply_address: str = ""
    inbound_require_dkim: bool = False
    # Live meeting (signaling): see docs/signaling.md.
    redis_url: str = ""
    bus_namespace: str = ""  # keeps deployments sharing one Redis apart
    ice_servers: tuple[str, ...] = ()
    turn_urls: tuple[str, ...] = ()
    turn_secret: str = ""
    turn_ttl: int = 6 * 3600
    ws_allowed_origins: tuple[str, ...] = ()
    ws_auth_timeout: float = 5.0
    ws_max_message: int = 64 * 1024
    ws_send_queue: int = 256
    ws_rate: float = 20.0
    ws_burst: int = 60
    ws_flood_strikes: int = 100
    ws_offers_per_minute: int = 20
    ws_auth_failures: int = 5
    ws_auth_failure_window: int = 300
    presence_interval: float = 10.0
    revalidate_interval: float = 60.0
    # Seconds a dropped room socket keeps its roster entry and media for a ``resume``.
    ws_resume_grace: float = 15.0
    join_opens_minutes: int = 30
    join_grace_minutes: int = 60
    media_codec: str = "h264"
    # This process's stable name (host:port/worker, set by ``run.py serve``): on start it takes
    # over the media pins left by a dead process of the same name (docs/deploy.md, "Recovery").
    node_name: str = ""
    # Reverse proxies whose X-Forwarded-For is believed (CIDRs; docs/deploy.md, "Trusted proxies").
    trusted_proxies: tuple[str, ...] = ()
    # Operations (docs/deploy.md): "production" turns on the start-up checks of ecabinet.preflight.
    environment: str = "development"
    log_format: str = "text"
    metrics_token: str = field(default="", repr=False)
    # Single sign-on (OpenID Connect): the organizations' identity providers.
    oidc_providers: tuple[OidcProvider, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise SettingsError(f"ECABINET_PORT must be between 1 and 65535, not {self.port}")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SettingsError(f"ECABINET_TIME_ZONE {self.time_zone!r} is unknown") from exc
        if self.default_language not in ("vi", "en"):
            raise SettingsError("ECABINET_LANGUAGE must be 'vi' or 'en'")
        if self.environment not in ("development", "production"):
            raise SettingsError("ECABINET_ENV must be 'development' or 'production'")
        if self.log_format not in ("json", "text"):
            raise SettingsError("ECABINET_LOG_FORMAT must be 'json' or 'text'")
        if self.secret_key and len(self.secret_key) < MIN_SECRET_LENGTH:
            raise SettingsError(
                f"ECABINET_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters long"
            )

        for network in self.trusted_proxies:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError as exc:
                raise SettingsError(
                    f"ECABINET_TRUSTED_PROXIES: {network!r} is not an address or a CIDR"
                ) from exc
        if self.media_codec not in ("h264", "vp8"):
            raise SettingsError("ECABINET_MEDIA_CODEC must be 'h264' or 'vp8'")
        if self.turn_urls and not self.turn_secret:
            raise SettingsError(
                "ECABINET_TURN_URLS needs ECABINET_TURN_SECRET (coturn's static-auth-secret)"
            )
        if self.turn_secret and len(self.turn_secret) < 16:
            raise SettingsError("ECABINET_TURN_SECRET must be at least 16 characters long")

    def oidc_provider(self, name: str) -> OidcProvider | None:
        return next((p for p in self.oidc_providers if p.name == name), None)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def secure_cookies(self) -> bool:
        """Cookies get ``Secure`` (and the ``__Host-`` prefix) when served over HTTPS."""
        return self.public_url.startswith("https://")

    @property
    def base_url(self) -> str:
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'ecabinet.db'}"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)

        def get(name: str, default: str = "") -> str:
            return env.get(f"ECABINET_{name}", default).strip()

        def get_int(name: str, default: int) -> int:
            raw = get(name)
            if not raw:
                return default
            try:
                return int(raw)
            except ValueError as exc:
                raise SettingsError(f"ECABINET_{name} must be a whole number, not {raw!r}") from exc

        def get_list(name: str) -> tuple[str, ...]:
            return tuple(v.strip() for v in get(name).split(",") if v.strip())

        def get_float(name: str, default: float) -> float:
            raw = get(name)
            if not raw:
                return default
            try:
                return float(raw)
            except ValueError as exc:
                raise SettingsError(f"ECABINET_{name} must be a number, not {raw!r}") from exc

        previous = tuple(k.strip() for k in get("PREVIOUS_SECRET_KEYS").split(",") if k.strip())
        return cls(
            data_dir=Path(get("DATA_DIR", "var")),
            database_url=get("DATABASE_URL"),
            host=get("HOST", "127.0.0.1"),
            port=get_int("PORT", 8080),
            time_zone=get("TIME_ZONE", "Asia/Ho_Chi_Minh"),
            secret_key=get("SECRET_KEY"),
            previous_secret_keys=previous,
            public_url=get("PUBLIC_URL"),
            default_language=get("LANGUAGE", "vi"),
            ca_passphrase=get("CA_PASSPHRASE"),
            tsa_url=get("TSA_URL"),
            signing_trust_roots=get("SIGNING_TRUST_ROOTS"),
            signer_agent_url=get("SIGNER_AGENT_URL", "http://127.0.0.1:8731").rstrip("/"),
            debug=get("DEBUG").lower() in ("1", "true", "yes"),
            max_upload_bytes=get_int("MAX_UPLOAD_MB", 200) * 1024 * 1024,
            max_attachment_bytes=get_int("MAX_ATTACHMENT_MB", 20) * 1024 * 1024,
            task_reminder_days=_days(get_list("TASK_REMINDER_DAYS") or ("7", "1")),
            redis_url=get("REDIS_URL"),
            bus_namespace=get("BUS_NAMESPACE"),
            ice_servers=get_list("ICE_SERVERS"),
            turn_urls=get_list("TURN_URLS"),
            turn_secret=get("TURN_SECRET"),
            turn_ttl=get_int("TURN_TTL", 6 * 3600),
            ws_allowed_origins=get_list("WS_ALLOWED_ORIGINS"),
            ws_auth_timeout=get_float("WS_AUTH_TIMEOUT", 5.0),
            media_codec=get("MEDIA_CODEC", "h264").lower(),
            node_name=get("NODE_NAME"),
            trusted_proxies=get_list("TRUSTED_PROXIES"),
            smtp_host=get("SMTP_HOST"),
            smtp_port=get_int("SMTP_PORT", 25),
            smtp_starttls=get("SMTP_STARTTLS").lower() in ("1", "true", "yes"),
            smtp_username=get("SMTP_USERNAME"),
            smtp_password=get("SMTP_PASSWORD"),
            mail_from=get("SMTP_FROM", "ecabinet@localhost"),
            inbound_mail_port=get_int("INBOUND_MAIL_PORT", 0),
            inbound_mail_host=get("INBOUND_MAIL_HOST", "127.0.0.1"),
            inbound_mail_protocol=_protocol(get("INBOUND_MAIL_PROTOCOL", "smtp")),
            itip_reply_address=get("ITIP_REPLY_ADDRESS"),
            inbound_require_dkim=get("INBOUND_REQUIRE_DKIM").lower() in ("1", "true", "yes"),
            environment=get("ENV", "development").lower(),
            log_format=get("LOG_FORMAT").lower()
            or ("json" if get("ENV").lower() == "production" else "text"),
            metrics_token=get("METRICS_TOKEN"),
            oidc_providers=_oidc_providers(get("OIDC_PROVIDERS")),
        )

    def with_secret(self) -> Settings:
        """Return settings whose secret key is set, generating one into the data dir if needed;
        in development, likewise the CA passphrase (production must set ECABINET_CA_PASSPHRASE:
        ``preflight`` refuses to start without it).

        A generated value is written atomically with mode 0600 and reused on every later start.
        """
        settings = self
        if not settings.secret_key:
            settings = replace(settings, secret_key=_generated(self.data_dir / SECRET_KEY_FILE))
        if not settings.ca_passphrase and settings.environment == "development":
            path = self.data_dir / CA_PASSPHRASE_FILE
            settings = replace(settings, ca_passphrase=_generated(path))
        return settings


def _generated(path: Path) -> str:
    """The secret stored at ``path``, or a new one written there (0600, atomically)."""
    if path.exists():
        key = path.read_text(encoding="ascii").strip()
        if len(key) < MIN_SECRET_LENGTH:
            raise SettingsError(f"{path} holds a key that is too short; delete it to regenerate")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        # link() refuses to replace: if another process won the race, use its key.
        os.link(tmp, path)
    except FileExistsError:
        return _generated(path)
    finally:
        tmp.unlink(missing_ok=True)
    return key


# -- documentation -------------------------------------------------------------------------------
# What each variable read by :meth:`Settings.from_env` means, for the README's settings table
# (``tools/settings_table.py`` writes it; ``tests/test_settings_table.py`` fails when a variable
# read above is missing here, or the README differs). ``DEFAULT_SHOWN`` replaces the default read
# from the code where the literal is not the whole story.
MEANINGS: dict[str, str] = {
    "DATA_DIR": "where the SQLite database, the documents and the generated secret key live",
    "DATABASE_URL": "SQLAlchemy async URL: `sqlite+aiosqlite:///…` or `postgresql+asyncpg://…`",
    "HOST": "address to listen on",
    "PORT": "port to listen on (1–65535)",
    "TIME_ZONE": "IANA time zone for showing times (everything is stored in UTC)",
    "SECRET_KEY": "at least 32 characters; every signing and HMAC key is derived from it. "
    "Give all nodes the same value",
    "PREVIOUS_SECRET_KEYS": "comma-separated old secrets. Tokens signed with them still verify "
    "until you remove them (key rotation)",
    "PUBLIC_URL": "the URL users see, e.g. `https://ecabinet.example.gov.vn`. With `https://`, "
    "cookies are `Secure` and use the `__Host-` prefix",
    "LANGUAGE": "language for visitors who are not logged in: `vi` or `en` "
    "(each user picks their own)",
    "CA_PASSPHRASE": "passphrase of the platform CA's key (signing minutes and notices); "
    "required in production, see `docs/signing.md`",
    "TSA_URL": "an RFC 3161 time-stamp authority: signatures become PAdES B-T (own-key ones "
    "B-LT, with the revocation data embedded)",
    "SIGNER_AGENT_URL": "where the signing page finds the signing agent on the signer's own "
    "computer (`python -m ecabinet.signer`, which signs with their USB token)",
    "SIGNING_TRUST_ROOTS": "PEM files or directories (`:`-separated) of trusted root CAs for "
    "signers' own keys and for verification (the national root CAs in production; the "
    "platform CA is always trusted)",
    "DEBUG": "`1`, `true` or `yes` turns on debug logging and the access log",
    "MAX_UPLOAD_MB": "largest document upload, in MB",
    "MAX_ATTACHMENT_MB": "largest attachment to a task's progress report, in MB",
    "TASK_REMINDER_DAYS": "days before a task's deadline when reminders go out, comma-separated",
    "REDIS_URL": "Redis for the room-event bus between worker processes; checked by `/readyz`",
    "BUS_NAMESPACE": "prefix that keeps deployments sharing one Redis apart",
    "ICE_SERVERS": "STUN URLs for the browsers, comma-separated",
    "TURN_URLS": "TURN URLs (coturn), comma-separated; needs `ECABINET_TURN_SECRET`; "
    "see `docs/turn.md`",
    "TURN_SECRET": "coturn's `static-auth-secret` (at least 16 characters) for short-lived "
    "TURN credentials",
    "TURN_TTL": "lifetime of a TURN credential, in seconds",
    "WS_ALLOWED_ORIGINS": "extra origins (comma-separated) allowed to open the WebSockets "
    "besides this site",
    "WS_AUTH_TIMEOUT": "seconds a new WebSocket has to send `auth`",
    "MEDIA_CODEC": "the video codec of the rooms: `h264` (constrained baseline) or `vp8`",
    "NODE_NAME": "this process's stable name; a restarted process takes over the media pins "
    "of the dead one of its name",
    "TRUSTED_PROXIES": "CIDRs of reverse proxies whose `X-Forwarded-For` is believed "
    "(e.g. `127.0.0.1/32,::1/128`)",
    "SMTP_HOST": "mail server for invitations and reminders; empty: mails wait in the outbox",
    "SMTP_PORT": "its port",
    "SMTP_STARTTLS": "`1`, `true` or `yes`: upgrade the connection with STARTTLS",
    "SMTP_USERNAME": "login on the mail server (empty: none)",
    "SMTP_PASSWORD": "its password",
    "SMTP_FROM": "sender address of the mails",
    "ENV": "`production` refuses to start on an unsafe configuration (weak secret, debug, "
    "no https URL, no CA passphrase, SQLite on a network share); see `docs/deploy.md`",
    "LOG_FORMAT": "`json`: one JSON object per line with request, user and meeting ids",
    "METRICS_TOKEN": "bearer token for `/metrics`; without it only direct loopback "
    "connections may read it",
    "INBOUND_MAIL_PORT": "port of the receiver for calendar replies (iTIP REPLY/COUNTER) that the "
    "mail server forwards to; `0`: off. See `docs/scheduling.md`",
    "INBOUND_MAIL_HOST": "address the receiver for calendar replies listens on",
    "INBOUND_MAIL_PROTOCOL": "`smtp` or `lmtp`: what the mail server speaks to the receiver",
    "ITIP_REPLY_ADDRESS": "address named as ORGANIZER in invitations (SENT-BY the sender), "
    "delivered by the mail server to the receiver",
    "INBOUND_REQUIRE_DKIM": "`1`, `true` or `yes`: refuse a reply without a passing DKIM result "
    "from the relay",
    "OIDC_PROVIDERS": "single sign-on: a JSON list of OpenID providers (`name`, `issuer`, "
    "`client_id`, `client_secret`, `display_name`, `provision`, `provision_organization`, "
    "`provision_role`), inline or the path of a file holding it; see `docs/deploy.md`",
}
DEFAULT_SHOWN: dict[str, str] = {
    "DATABASE_URL": "`sqlite+aiosqlite:///<data dir>/ecabinet.db`",
    "SECRET_KEY": "generated into `<data dir>/secret_key` (mode 0600) on first start",
    "TASK_REMINDER_DAYS": "`7,1`",
    "NODE_NAME": "`host:port/worker`",
    "LOG_FORMAT": "`text` (`json` in production)",
    "DEBUG": "off",
    "SMTP_STARTTLS": "off",
    "CA_PASSPHRASE": "generated into `<data dir>/ca_passphrase` (mode 0600) in development",
    "OIDC_PROVIDERS": "none (password login only)",
}
