"""The signer's confirmation, asked on the agent's own console (never by the page): what is
being signed is printed, and only an explicit "y" / "có" typed after the question signs. Lines
typed before the question (or left from an earlier one) are thrown away, so a late answer to one
request never approves the next; no answer within the time limit is a refusal."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

YES = {"y", "yes", "c", "co", "có"}


class ConsoleConfirmer:
    def __init__(self, timeout: float = 120.0, out: TextIO = sys.stdout) -> None:
        self.timeout = timeout
        self.out = out
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # one question at a time

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

        async def pump() -> None:
            while line := await reader.readline():
                self._lines.put_nowait(line.decode("utf-8", "replace").strip())
            self._lines.put_nowait(None)  # stdin closed: nobody can confirm any more

        self._task = asyncio.create_task(pump())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()

    async def ask(self, lines: list[tuple[str, str]]) -> bool:
        async with self._lock:
            while not self._lines.empty():
                if self._lines.get_nowait() is None:
                    self._lines.put_nowait(None)
                    return False
            self.out.write("\n=== Yêu cầu ký số / Signing request ===\n")
            for label, value in lines:
                self.out.write(f"  {label}: {value}\n")
            self.out.write("Ký văn bản này? / Sign this document? [y/N] ")
            self.out.flush()
            try:
                answer = await asyncio.wait_for(self._lines.get(), self.timeout)
            except TimeoutError:
                self.out.write("\n(hết thời gian / timed out: not signed)\n")
                self.out.flush()
                return False
            if answer is None:
                self._lines.put_nowait(None)
                return False
            signed = answer.lower() in YES
            self.out.write("→ ký / signing\n" if signed else "→ từ chối / refused\n")
            self.out.flush()
            return signed
