// The session page (chair's console / member's panel): buttons and forms carry
// data-api="METHOD /api/path" (and data-body JSON); each sends JSON with the CSRF header.
// The page follows the session live: /ws/meetings/{id}/session says when the session's version
// changes, and the page then fetches itself and swaps the live part (#session-live) in place —
// no reload, typed-in text kept. While that socket is down it reconnects with backoff and checks
// the version every 30 s as a fallback. Secret-vote receipts stay in this browser's
// sessionStorage only (the server keeps a hash), so the voter can change the vote.
const root = document.getElementById("session");
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const meeting = root.dataset.meeting;
// On the console page the page itself; inside the room (moderators) the console page's address,
// whose live part is swapped in here with every id prefixed (data-id-prefix) so none collides
// with the room's own.
const source = root.dataset.source || location.pathname;
const idPrefix = root.dataset.idPrefix || "";
let version = Number(root.dataset.version);
let socket = null;
let retry = 0;
let refreshing = null;
let again = false;
window.ecabinetConsole = { refreshes: 0, live: false };
// A refusal is shown in the page (#console-error), in the page's language: the server's message,
// or its translation by code (#console-errors, filled for Vietnamese). No alert().
const ERRORS = JSON.parse(document.getElementById("console-errors").textContent || "{}");

function showError(text) {
  const box = document.getElementById("console-error");
  box.textContent = text;
  box.hidden = !text;
}

async function call(spec, body) {
  const [method, path] = spec.split(" ");
  const resp = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = resp.status === 204 ? {} : await resp.json();
  if (!resp.ok) {
    const error = data.error || {};
    showError(ERRORS[error.code] || error.message || resp.statusText);
    throw new Error(resp.status);
  }
  showError("");
  return data;
}

function formBody(form) {
  const body = {};
  for (const [key, value] of new FormData(form)) {
    if (value === "") continue;
    if (key === "secret") body.secret = true;
    else if (key.endsWith("_id")) body[key] = Number(value);
    else body[key] = value;
  }
  return body;
}

// ------------------------------------------------------------------ refreshing in place

function typedValues(container) {
  // Text someone is typing (a conclusion, a question) survives the swap.
  const kept = new Map();
  container.querySelectorAll("form[data-api] input:not([type=hidden]), form[data-api] textarea").forEach((field) => {
    const key = field.form.dataset.api + " " + field.name;
    if (field.type === "checkbox") kept.set(key, field.checked);
    else if (field.value) kept.set(key, field.value);
  });
  return kept;
}

function restore(container, kept, focused) {
  container.querySelectorAll("form[data-api] input:not([type=hidden]), form[data-api] textarea").forEach((field) => {
    const key = field.form.dataset.api + " " + field.name;
    if (!kept.has(key)) return;
    if (field.type === "checkbox") field.checked = kept.get(key);
    else field.value = kept.get(key);
    if (key === focused) field.focus();
  });
}

async function refresh() {
  if (refreshing) { again = true; return refreshing; }
  refreshing = (async () => {
    do {
      again = false;
      const resp = await fetch(source, { credentials: "same-origin" });
      if (!resp.ok) return;
      const fresh = new DOMParser().parseFromString(await resp.text(), "text/html");
      const next = fresh.getElementById("session-live");
      const nextRoot = fresh.getElementById("session");
      if (!next || !nextRoot) return;
      const live = document.getElementById("session-live");
      const active = document.activeElement;
      const focused = active && active.form && active.form.dataset.api ? active.form.dataset.api + " " + active.name : null;
      const kept = typedValues(live);
      if (idPrefix) prefixIds(next);
      live.replaceChildren(...next.childNodes);
      restore(live, kept, focused);
      version = Math.max(version, Number(nextRoot.dataset.version));
      window.ecabinetConsole.refreshes += 1;
      tick();
    } while (again);
  })().finally(() => { refreshing = null; });
  return refreshing;
}

function prefixIds(container) {
  for (const node of container.querySelectorAll("[id]")) node.id = idPrefix + node.id;
  for (const attr of ["aria-labelledby", "aria-describedby", "aria-controls", "for"]) {
    for (const node of container.querySelectorAll(`[${attr}]`)) {
      node.setAttribute(attr, node.getAttribute(attr).split(/\s+/).map((v) => idPrefix + v).join(" "));
    }
  }
}

// Only the console's own controls (inside #session-live): in the room, the page's other
// buttons (the room's vote dialog, the session panel) are not the console's.
const inConsole = (target) => document.getElementById("session-live").contains(target);

// ------------------------------------------------------------------ actions

document.addEventListener("click", async (event) => {
  if (!inConsole(event.target)) return;
  const button = event.target.closest("button[data-api]");
  if (button) {
    // The chair's unusual or irreversible acts ask first, in the page (confirm_dialog.js).
    if (button.dataset.confirm && !(await window.ecabinetConfirm(button.dataset.confirm, button.dataset.confirmOk))) return;
    const body = button.dataset.body ? JSON.parse(button.dataset.body) : undefined;
    await call(button.dataset.api, body);
    await refresh();
    return;
  }
  const choice = event.target.closest(".vote button[data-choice]");
  if (choice) {
    const box = choice.closest(".vote");
    const key = `receipt:${box.dataset.motion}:${box.dataset.member}`;
    const body = { choice: choice.dataset.choice, for_member_id: Number(box.dataset.member) };
    if (box.dataset.secret === "true" && sessionStorage.getItem(key)) body.receipt = sessionStorage.getItem(key);
    const result = await call(`POST /api/motions/${box.dataset.motion}/votes`, body);
    if (result.receipt) sessionStorage.setItem(key, result.receipt);
    await refresh();
  }
});

document.addEventListener("submit", async (event) => {
  if (!inConsole(event.target)) return;
  const form = event.target.closest("form[data-api]");
  if (!form) return;
  event.preventDefault();
  await call(form.dataset.api, formBody(form));
  form.reset();
  await refresh();
});

function tick() {
  for (const timer of document.querySelectorAll(".timer[data-started]")) {
    const elapsed = Math.max(0, Math.round((Date.now() - Date.parse(timer.dataset.started)) / 1000));
    const planned = Number(timer.dataset.planned);
    const fmt = (s) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
    timer.textContent = planned ? `${fmt(elapsed)} / ${fmt(planned)}` : fmt(elapsed);
    timer.classList.toggle("overtime", planned > 0 && elapsed > planned);
  }
}

// ------------------------------------------------------------------ live: socket, or slow poll

function liveStatus(on) {
  window.ecabinetConsole.live = on;
  document.getElementById("session-live-status").textContent = on ? root.dataset.liveStatus : root.dataset.pollStatus;
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${scheme}//${location.host}/ws/meetings/${meeting}/session`);
  socket = ws;
  ws.addEventListener("message", (event) => {
    let m;
    try { m = JSON.parse(event.data); } catch (_) { return; }
    if (m.type === "hello") {
      retry = 0;
      liveStatus(true);
      if (m.version !== version) refresh();
    } else if (m.type === "session" && m.version > version) {
      refresh();
    }
  });
  ws.addEventListener("close", (event) => {
    if (socket !== ws) return;
    socket = null;
    liveStatus(false);
    if (event.code === 4401) return; // logged out: nothing to follow
    retry += 1;
    setTimeout(connect, Math.min(30000, 1000 * 2 ** Math.min(retry, 5)));
  });
}

async function poll() {
  if (socket && socket.readyState === WebSocket.OPEN) return; // the socket tells us
  try {
    const resp = await fetch(`/api/meetings/${meeting}/session`, { credentials: "same-origin" });
    if (resp.ok && (await resp.json()).version !== version) refresh();
  } catch (_) { /* offline for a moment: try again */ }
}

setInterval(tick, 1000);
setInterval(poll, 30000);
tick();
connect();
