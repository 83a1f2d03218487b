"""Every kind of mail the platform sends keeps its Vietnamese subject word for word: written
with the policy of ``services/mail_headers.py`` and read back by Python's parser (new and
legacy API), the subject is the exact text, no space lost between encoded words (issue 20,
item 2). The update and cancellation mails also go through a real SMTP server."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.generator import BytesGenerator
from email.header import decode_header, make_header
from email.policy import compat32
from email.policy import default as default_policy
from types import SimpleNamespace

import pytest

from ecabinet.clock import FrozenClock
from ecabinet.config import Settings
from ecabinet.models import Meeting, OpinionBallot, OutboxMail, Task, User
from ecabinet.services import (
    counters,
    document_notices,
    invitations,
    mailer,
    minutes_notices,
    notice_render,
    opinion_ballots,
    task_reminders,
)

from . import test_meeting_mail as meeting_mail
from .conftest import api_login, bearer
from .scheduling import meeting_body, prepare
from .test_meeting_mail import settle

# The real SMTP server (aiosmtpd) and the app that sends to it, as in test_meeting_mail.py.
smtp = meeting_mail.smtp
app = meeting_mail.app

# Long titles whose words fall on the places where CPython's folder cut between encoded words.
TITLES = [
    "Phiên họp Chính phủ thường kỳ tháng 12 năm 2026 về tình hình kinh tế xã hội, giao ban "
    "trực tuyến với các địa phương và Ủy ban nhân dân tỉnh Nghệ An",
    "Giao xã tháng nhân họp Giao Tài ABC Phiên chính ban hội 2026 tháng với họp họp họp Nghệ "
    "Phiên Giao xã Tài",
    "địa Sở địa Ủy ban An ABC Phiên Giao dân về tỉnh An xã Tài phủ ban phương Sở",
    "Giao ban trực tuyến",
]
SETTINGS = Settings(mail_from="lich-hop@chinhphu.vn", public_url="https://ecabinet.chinhphu.vn")
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _svc() -> SimpleNamespace:
    return SimpleNamespace(settings=SETTINGS, clock=FrozenClock(NOW))


def _user() -> User:
    return User(id=7, full_name="Nguyễn Thị Hồng Nhung", email="nhung@chinhphu.vn")


def _meeting(title: str) -> Meeting:
    return Meeting(
        id=3,
        title=title,
        starts_at=NOW + timedelta(days=9),
        ends_at=NOW + timedelta(days=9, hours=2),
        time_zone="Asia/Ho_Chi_Minh",
    )


def _kinds(title: str) -> dict[str, str]:
    """kind of mail → the subject its module writes, for a meeting/task/ballot of ``title``."""
    svc, user, meeting = _svc(), _user(), _meeting(title)
    task = Task(id=5, title=title, deadline=NOW + timedelta(days=3), meeting_id=3)
    ballot = OpinionBallot(id=9, title=title, question="?", deadline=NOW + timedelta(days=2))
    subjects = {p: invitations._subject(p, meeting) for p in invitations.SUBJECTS}
    subjects["minutes"] = minutes_notices._mail(svc, meeting, user, "m", "k", "t", "/").subject
    for prefix in ("Chương trình họp / Agenda", "Nhắc đọc tài liệu / Please read the documents"):
        mail = document_notices._mail(svc, meeting, user, "d", "k", prefix, "t")
        subjects[prefix] = mail.subject
    for kind in ("assigned", "cooperating", "reminder"):
        subjects[f"task_{kind}"] = task_reminders._mail(svc, user, task, title, kind, "k").subject
    for kind in ("sent", "reminder"):
        subjects[f"ballot_{kind}"] = opinion_ballots._mail(svc, user, ballot, kind, NOW).subject
    subjects["conclusions"] = notice_render.mail_subject(meeting)
    for kind, subject in counters.SUBJECTS.items():
        subjects[f"counter_{kind}"] = subject(meeting)
    return subjects


def _wire_bytes(subject: str) -> bytes:
    """The mail as the sender builds it and as smtplib puts it on the wire."""
    mail = OutboxMail(
        id=1,
        to_address="nhung@chinhphu.vn",
        to_name="Nguyễn Thị Hồng Nhung",
        subject=subject,
        text_body="Nội dung",
        html_body="<p>Nội dung</p>",
        ics="",
        ics_method="",
        created_at=NOW,
    )
    message = mailer.build_message(mail, SETTINGS)
    buffer = io.BytesIO()
    BytesGenerator(buffer).flatten(message, linesep="\r\n")  # what smtplib.send_message does
    return buffer.getvalue()


def test_every_kind_of_mail_is_covered():
    kinds = _kinds(TITLES[0])
    assert {"invitation", "update", "cancellation", "reminder", "minutes"} <= set(kinds)
    assert all(TITLES[0] in s for s in kinds.values())


@pytest.mark.parametrize("title", TITLES, ids=[f"title{n}" for n in range(len(TITLES))])
def test_every_subject_decodes_back_to_its_exact_text(title):
    for kind, subject in _kinds(title).items():
        raw = _wire_bytes(subject)
        head = raw.split(b"\r\n\r\n", 1)[0]
        assert head.isascii(), kind
        assert all(len(line) <= 78 for line in head.split(b"\r\n")), kind
        parsed = message_from_bytes(raw, policy=default_policy)
        assert str(parsed["Subject"]) == subject, kind
        legacy = message_from_bytes(raw, policy=compat32)["Subject"]
        assert str(make_header(decode_header(legacy))) == subject, kind
        assert parsed["To"].addresses[0].display_name == "Nguyễn Thị Hồng Nhung"


def test_an_ascii_subject_is_left_to_the_library():
    subject = "Agenda: " + " ".join(["word"] * 30)
    raw = _wire_bytes(subject)
    parsed = message_from_bytes(raw, policy=compat32)
    assert "=?" not in parsed["Subject"] and "\r\n " in parsed["Subject"], "folded, not encoded"
    assert str(message_from_bytes(raw, policy=default_policy)["Subject"]) == subject


async def test_update_and_cancellation_subjects_arrive_whole_over_smtp(client, world, smtp, clock):
    await prepare(world)
    secretary = bearer(await api_login(client, "thuky"))
    title = TITLES[1]
    resp = await client.post("/api/meetings", json=meeting_body(title=title), headers=secretary)
    assert resp.status == 201
    meeting = await resp.json()
    await settle(world, smtp, clock)
    resp = await client.patch(
        f"/api/meetings/{meeting['id']}",
        json={"starts_at": "2026-12-03T14:00:00+07:00"},
        headers=secretary,
    )
    assert resp.status == 200
    assert (await client.delete(f"/api/meetings/{meeting['id']}", headers=secretary)).status == 200
    received = await settle(world, smtp, clock)
    subjects = sorted({str(m["Subject"]) for m in received})
    assert subjects == sorted(
        f"{vi} / {en}: {title}"
        for vi, en in (
            invitations.SUBJECTS["invitation"],
            invitations.SUBJECTS["update"],
            invitations.SUBJECTS["cancellation"],
        )
    )


def test_a_smtputf8_policy_keeps_the_library_fold():
    policy = mailer.MAIL_POLICY.clone(utf8=True)
    assert policy.fold("Subject", "Phiên họp") == "Subject: Phiên họp\r\n"
