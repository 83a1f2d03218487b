// The ballot sending form: checks the attachments (PDF, size) before anything is sent, creates
// the ballot with POST /api/ballots (the deadline typed in the organization's time zone), then
// uploads each PDF to /api/ballots/{id}/documents (streamed and checked by the server) and opens
// the ballot's page. A refused attachment is reported; the ballot's page lists what arrived.
const form = document.getElementById("ballot-form");
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const error = document.getElementById("ballot-error");
const progress = document.getElementById("ballot-progress");

function fail(message) {
  error.textContent = message;
  error.hidden = false;
}

function zonedToIso(local, zone) {
  // "2026-12-10T17:00" in `zone` → an ISO instant. Asks Intl for the zone's offset at that time.
  const guess = new Date(local + ":00Z");
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit",
  }).formatToParts(guess);
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  const shown = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"));
  return new Date(guess.getTime() - (shown - guess.getTime())).toISOString();
}

async function send(method, url, body, json = true) {
  const headers = { "X-CSRF-Token": csrf };
  if (json) headers["Content-Type"] = "application/json";
  const resp = await fetch(url, { method, credentials: "same-origin", headers, body: json ? JSON.stringify(body) : body });
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error(data.error ? data.error.message : resp.statusText);
  return data;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const data = new FormData(form);
  const recipients = data.getAll("recipients");
  const files = [...form.elements.files.files];
  if (!recipients.length) return fail(form.dataset.noRecipient);
  for (const file of files) {
    if (file.type !== "application/pdf" && !file.name.toLowerCase().endsWith(".pdf")) return fail(`${file.name}: ${form.dataset.notPdf}`);
    if (file.size > Number(form.dataset.maxBytes)) return fail(`${file.name}: ${form.dataset.tooLarge}`);
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  progress.textContent = form.dataset.sending;
  let ballot;
  try {
    ballot = await send("POST", "/api/ballots", {
      title: data.get("title").trim(),
      question: data.get("question").trim(),
      explanation: data.get("explanation").trim(),
      deadline: zonedToIso(data.get("deadline"), form.dataset.zone),
      recipients,
      remind_hours_before: Number(data.get("remind_hours_before") || 0),
    });
  } catch (err) {
    button.disabled = false;
    progress.textContent = "";
    return fail(err.message);
  }
  const refused = [];
  for (const file of files) {
    progress.textContent = `${form.dataset.sending} ${file.name}`;
    const upload = new FormData();
    upload.append("title", file.name.replace(/\.pdf$/i, ""));
    upload.append("file", file, file.name);
    try {
      await send("POST", `/api/ballots/${ballot.id}/documents`, upload, false);
    } catch (err) {
      refused.push(`${file.name}: ${err.message}`);
    }
  }
  const notice = refused.length ? "attachment_refused" : "sent";
  location.assign(`/ballots/${ballot.id}?notice=${notice}`);
});
