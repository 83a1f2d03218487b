// The session page (chair's console / member's panel): buttons and forms carry
// data-api="METHOD /api/path" (and data-body JSON); each sends JSON with the CSRF header, then the
// page reloads with the new state. Until the live meeting's WebSocket carries session events,
// the page polls the session's version and reloads when it changes. Secret-vote receipts stay in
// this browser's sessionStorage only (the server keeps a hash), so the voter can change the vote.
const root = document.getElementById("session");
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const meeting = root.dataset.meeting;
let version = Number(root.dataset.version);

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
    alert(data.error ? data.error.message : resp.statusText);
    throw new Error(resp.status);
  }
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

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-api]");
  if (button) {
    const body = button.dataset.body ? JSON.parse(button.dataset.body) : undefined;
    await call(button.dataset.api, body);
    location.reload();
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
    location.reload();
  }
});

document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-api]");
  if (!form) return;
  event.preventDefault();
  await call(form.dataset.api, formBody(form));
  location.reload();
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

async function poll() {
  try {
    const resp = await fetch(`/api/meetings/${meeting}/session`, { credentials: "same-origin" });
    if (resp.ok && (await resp.json()).version !== version) location.reload();
  } catch (_) { /* offline for a moment: try again */ }
}

setInterval(tick, 1000);
setInterval(poll, 5000);
tick();
