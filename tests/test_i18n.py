"""Vietnamese by default, English on request; every template string has a Vietnamese entry;
a logged-in user's language is stored on the account and wins over the browser's cookie."""

from __future__ import annotations

import re
from pathlib import Path

from ecabinet.models import Language, OrganizationLevel, Role, User
from ecabinet.web.i18n import VI

from .test_csrf_and_cookies import browser_login, csrf_from, form_login, page_token

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
LITERAL = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")
ANY_CALL = re.compile(r"\b_\(")


def _template_strings() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        for match in LITERAL.finditer(path.read_text(encoding="utf-8")):
            text = match.group(1) if match.group(1) is not None else match.group(2)
            found.setdefault(text, []).append(str(path.relative_to(TEMPLATES)))
    return found


def test_every_template_string_has_a_vietnamese_translation():
    strings = _template_strings()
    assert len(strings) > 40  # the regex really finds them
    missing = {text: where for text, where in strings.items() if not VI.get(text)}
    assert not missing, f"add these to ecabinet/web/i18n.py VI: {missing}"


def test_enum_values_shown_through_translation_have_vietnamese_entries():
    # Templates translate roles and levels by value: _(user.role.value), _(org.level.value).
    for value in [*Role, *OrganizationLevel]:
        assert VI.get(value.value), value
    assert VI.get("Saved.")  # the notice admin pages pass through _()


def test_the_literal_regex_sees_every_call_with_a_quoted_argument():
    # Guard against a string the regex would silently skip (e.g. concatenation or filters).
    for path in TEMPLATES.rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        for call in ANY_CALL.finditer(source):
            rest = source[call.end() :].lstrip()
            if rest[:1] in "\"'":
                assert LITERAL.match(source, call.start()), (path.name, source[call.start() :][:60])


async def test_login_page_is_vietnamese_by_default_and_english_on_request(client, world):
    resp = await client.get("/login")
    page = await resp.text()
    assert '<html lang="vi">' in page
    assert "Đăng nhập" in page and "Mật khẩu" in page

    resp = await client.post(
        "/language",
        data={"csrf_token": csrf_from(page), "language": "en", "next": "/login"},
        allow_redirects=False,
    )
    assert resp.status == 303
    assert resp.headers["Location"] == "/login"
    cookie = resp.cookies["lang"]
    assert cookie.value == "en" and cookie["samesite"] == "Lax" and cookie["path"] == "/"

    page = await (await client.get("/login")).text()
    assert '<html lang="en">' in page
    assert "Log in" in page and "Password" in page and "Đăng nhập" not in page


async def test_unknown_language_is_refused(client, world):
    token = await page_token(client)
    resp = await client.post("/language", data={"csrf_token": token, "language": "fr"})
    assert resp.status == 400
    assert "unknown_language" in await resp.text()
    assert "lang" not in resp.cookies


async def test_failed_login_message_is_in_the_page_language(client, world):
    resp = await form_login(client, "botruong", password="not the password")
    assert resp.status == 401
    page = await resp.text()
    assert '<html lang="vi">' in page
    message = "The username or password is incorrect."
    assert VI[message] in page and message not in page


async def test_user_language_is_stored_and_wins_over_the_cookie(client, world, svc):
    # botruong's account says English; this browser's cookie says Vietnamese.
    client.session.cookie_jar.update_cookies({"lang": "vi"})
    await browser_login(client, "botruong")
    page = await (await client.get("/")).text()
    assert '<html lang="en">' in page and "Welcome" in page

    # Choosing Vietnamese while logged in is remembered on the account ...
    token = csrf_from(page)
    resp = await client.post(
        "/language",
        data={"csrf_token": token, "language": "vi", "next": "/"},
        allow_redirects=False,
    )
    assert resp.status == 303
    async with svc.db.reading() as session:
        user = await session.get(User, world["botruong"].id)
    assert user is not None and user.language == Language.VI

    # ... so a later login from a browser whose cookie says English is still Vietnamese.
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({"lang": "en"})
    await browser_login(client, "botruong")
    page = await (await client.get("/")).text()
    assert '<html lang="vi">' in page and "Xin chào" in page


def test_every_string_of_the_rooms_session_panel_has_a_vietnamese_translation():
    """room_session.js, room_floor.js and vote_dialog.js show text through t("…") and the vote
    labels table (VOTE_LABELS); the room page sends the translations of ROOM_VI,
    ROOM_SESSION_STRINGS, ROOM_UI_VI and VOTE_DIALOG_TEXTS, so each must be there and in
    Vietnamese (the reader sends VOTE_DIALOG_TEXTS for the vote dialog)."""
    from ecabinet.web.i18n_room import ROOM_VI
    from ecabinet.web.i18n_room_session import ROOM_SESSION_STRINGS
    from ecabinet.web.i18n_room_ui import ROOM_UI_VI, VOTE_DIALOG_TEXTS

    js = Path(__file__).parents[1] / "static/js"
    sources = {
        name: (js / name).read_text()
        for name in ("room_session.js", "room_floor.js", "vote_dialog.js")
    }
    used = set(re.findall(r'\bt\("([^"]+)"\)', "".join(sources.values())))
    labels = re.search(r"export const VOTE_LABELS = \{(.*?)\};", sources["vote_dialog.js"], re.S)
    assert labels is not None
    label_texts = set(re.findall(r':\s*"([^"]+)"', labels.group(1)))
    used |= label_texts
    assert len(used) > 20
    sent = set(ROOM_VI) | set(ROOM_SESSION_STRINGS) | set(ROOM_UI_VI) | set(VOTE_DIALOG_TEXTS)
    assert sorted(used - sent) == []
    assert sorted(s for s in used if s not in VI) == []
    dialog = set(re.findall(r'\bt\("([^"]+)"\)', sources["vote_dialog.js"])) | label_texts
    assert sorted(dialog - set(VOTE_DIALOG_TEXTS)) == []
