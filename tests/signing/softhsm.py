"""SoftHSM2 tokens for the tests, one per signer as each leader has their own USB token, and the
signing agent (``python -m ecabinet.signer``) run as the signer would run it, answered at its
own console. Tests using these skip when SoftHSM2 is absent (.ci/run installs softhsm2)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

ROOT = Path(__file__).resolve().parents[2]
MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
PIN = "246813"


def softhsm_module() -> str:
    for path in MODULES:
        if Path(path).exists() and shutil.which("softhsm2-util"):
            return path
    pytest.skip("SoftHSM2 is missing: apt-get install softhsm2 (.ci/run does)")
    raise AssertionError  # unreachable


@dataclass
class SoftHsm:
    """A SoftHSM2 token directory of the test's own (SOFTHSM2_CONF)."""

    module: str
    conf: Path

    @classmethod
    def create(cls, directory: Path) -> SoftHsm:
        module = softhsm_module()
        tokens = directory / "tokens"
        tokens.mkdir(parents=True)
        conf = directory / "softhsm2.conf"
        conf.write_text(
            f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
        )
        return cls(module, conf)

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "SOFTHSM2_CONF": str(self.conf), "PYTHONPATH": str(ROOT)}

    def run(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "tests.signing.softhsm_tool", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def token(self, label: str, kind: str = "ec") -> SoftToken:
        """A new token ``label`` with a key pair generated inside it."""
        subprocess.run(
            ["softhsm2-util", "--init-token", "--free", "--label", label,
             "--so-pin", "13579246", "--pin", PIN],
            env=self.env, capture_output=True, check=True, timeout=60,
        )  # fmt: skip
        spki = bytes.fromhex(self.run("generate", self.module, label, PIN, kind))
        return SoftToken(self, label, serialization.load_der_public_key(spki))  # type: ignore[arg-type]


@dataclass
class SoftToken:
    hsm: SoftHsm
    label: str
    public_key: object  # the key pair's public half (the private one never leaves the token)
    certificate: x509.Certificate | None = None

    def store(self, cert: x509.Certificate, *, ca: x509.Certificate | None = None) -> None:
        """Put the signer's certificate (and its CA's) on the token, as a CA delivers it."""
        der = cert.public_bytes(serialization.Encoding.DER)
        self.hsm.run("store", self.hsm.module, self.label, PIN, "01", der.hex())
        if ca is not None:
            ca_der = ca.public_bytes(serialization.Encoding.DER)
            self.hsm.run("store", self.hsm.module, self.label, PIN, "02", ca_der.hex())
        self.certificate = cert

    def key_attributes(self) -> dict[str, bool]:
        return json.loads(self.hsm.run("attributes", self.hsm.module, self.label, PIN))


READY = re.compile(rb"ready: http://127\.0\.0\.1:(\d+)")


class Agent:
    """``python -m ecabinet.signer`` for one token, its console read and answered by the test."""

    def __init__(self, process: asyncio.subprocess.Process, url: str, seen: bytes) -> None:
        self.process, self.url, self._seen = process, url, seen

    @classmethod
    async def start(cls, token: SoftToken, origin: str, *extra: str) -> Agent:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ecabinet.signer", "--module", token.hsm.module,
            "--token", token.label, "--origin", origin, "--port", "0", "--pin-env", "SIGNER_PIN",
            *extra,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, cwd=ROOT,
            env={**token.hsm.env, "SIGNER_PIN": PIN},
        )  # fmt: skip
        agent = cls(process, "", b"")
        out = await agent.expect(READY.pattern.decode())
        found = READY.search(out.encode())
        assert found, out
        agent.url = f"http://127.0.0.1:{int(found.group(1))}"
        return agent

    async def expect(self, pattern: str) -> str:
        """Read the console until ``pattern`` (a regex) shows; what was read up to there."""
        assert self.process.stdout is not None
        regex = re.compile(pattern.encode())

        async def read() -> bytes:
            while not (found := regex.search(self._seen)):
                chunk = await self.process.stdout.read(4096)  # type: ignore[union-attr]
                if not chunk:
                    raise AssertionError(f"the agent ended: {self._seen.decode()!r}")
                self._seen += chunk
            upto, self._seen = self._seen[: found.end()], self._seen[found.end() :]
            return upto

        return (await asyncio.wait_for(read(), 60)).decode()

    async def asked(self, asking: asyncio.Future) -> str:
        """The console up to the agent's question, while ``asking`` (the page's request) waits;
        an agent that answers the page without asking fails here with its answer."""
        prompt = asyncio.ensure_future(self.expect(r"\[y/N\] "))
        done, _ = await asyncio.wait({asking, prompt}, return_when=asyncio.FIRST_COMPLETED)
        if prompt not in done:
            prompt.cancel()
            response = asking.result()
            raise AssertionError(f"answered unasked: {response.status} {await response.text()}")
        return prompt.result()

    async def answer(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
