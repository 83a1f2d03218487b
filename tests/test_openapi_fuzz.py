"""The OpenAPI document tells the truth: a bounded schemathesis run over every operation, as
each role and anonymously, fails on any 5xx and on any status the document does not list.

Bounded and deterministic: Hypothesis derandomized (a fixed seed), a few schema-valid examples
per operation, no shrinking, no example database. It runs against the real app on loopback
(the test client's server), on a small world with meetings and a document, so generated ids
hit real objects as well as missing ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import delete, update

from ecabinet.models import LoginAttempt, User
from ecabinet.services import passwords
from tests.signing.conftest import settings

from .conftest import PASSWORD
from .documents.helpers import setup_meetings


@schemathesis.serializer("application/pdf")
def _pdf(ctx: Any, value: Any) -> bytes:
    """A generated 'PDF' body is whatever bytes Hypothesis drew (the server must refuse it)."""
    return value if isinstance(value, bytes) else str(value).encode()


__all__ = ["settings"]  # with the CA passphrase: certificates are issued, not refused (503)

ROLES = ("admin", "thuky", "botruong", "daibieu", "vanhanh", None)  # None: anonymous
EXAMPLES = 6  # per operation, spread over the roles
SEED = 20261207


@dataclass
class Finding:
    operation: str
    role: str | None
    status: int
    request: str
    body: str

    def __str__(self) -> str:
        who = self.role or "anonymous"
        return f"{self.operation} as {who}: {self.status} for {self.request}\n    {self.body[:300]}"


@dataclass
class Run:
    base_url: str
    rearm: Callable[[str], None]
    tokens: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    requests: int = 0

    def login(self, username: str) -> None:
        resp = requests.post(
            f"{self.base_url}/api/auth/login",
            json={"username": username, "password": PASSWORD},
            timeout=30,
        )
        if resp.status_code != 200:  # the fuzzer changed or throttled the account: undo it
            self.rearm(username)
            resp = requests.post(
                f"{self.base_url}/api/auth/login",
                json={"username": username, "password": PASSWORD},
                timeout=30,
            )
        resp.raise_for_status()
        self.tokens[username] = resp.json()["access_token"]

    def headers(self, role: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}


def fuzz_operation(run: Run, operation: Any, session: requests.Session) -> None:
    documented = set(operation.definition.raw["responses"])
    label = operation.label
    expired: set[str] = set()

    @hypothesis_settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=operation.as_strategy(), role=st.sampled_from(ROLES))
    def one(case: Any, role: str | None) -> None:
        response = case.call(base_url=run.base_url, session=session, headers=run.headers(role))
        run.requests += 1
        status = response.status_code
        if status >= 500 or str(status) not in documented:
            request = f"{response.request.method} {response.request.url}"
            body = response.request.body
            if body:
                request += f" body={body[:300]!r}"
            run.findings.append(Finding(label, role, status, request, response.text))
        if status == 401 and role:
            expired.add(role)

    one()
    for role in expired:  # the fuzzer logged itself out, disabled or reset an account
        run.login(role)


def fuzz(run: Run, document: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_dict(document)
    for role in ROLES:
        if role:
            run.login(role)
    with requests.Session() as session:
        for result in schema.get_all_operations():
            fuzz_operation(run, result.ok(), session)


async def test_every_operation_answers_only_documented_statuses_and_never_5xx(client, world):
    await setup_meetings(client, world)
    svc = world.svc
    loop = asyncio.get_running_loop()
    document = await (await client.get("/api/openapi.json")).json()

    async def restore(username: str) -> None:
        digest = passwords.hash_password(PASSWORD)
        async with svc.db.transaction() as session:
            await session.execute(
                update(User)
                .where(User.username == username)
                .values(password_hash=digest, is_active=True)
            )
            await session.execute(delete(LoginAttempt))

    def rearm(username: str) -> None:
        asyncio.run_coroutine_threadsafe(restore(username), loop).result(timeout=60)

    run = Run(str(client.make_url("")).rstrip("/"), rearm)
    await asyncio.to_thread(fuzz, run, document)
    assert run.requests >= EXAMPLES * len(document["paths"])
    assert not run.findings, "\n".join(str(f) for f in run.findings)
