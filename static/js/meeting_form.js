// The scheduling form (templates/meetings/form.html): a search over the participant picker, "invite
// the whole organization" per group, and the conflicts of what is being scheduled, asked of
// POST /api/meetings/conflicts (the rule saving applies) whenever the times, the room or the
// participants change, shown as names and times in the meeting's time zone.
import { api, el } from "./http.js";
import { formatIn, zonedToIso } from "./zoned_time.js";

const form = document.getElementById("meeting-form");
const picker = form.querySelector("fieldset.picker");
const search = document.getElementById("picker-search");
const live = document.getElementById("live-conflicts");
const strings = form.dataset;

const fold = (text) =>
  text.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

// -- search -----------------------------------------------------------------------------------
search.addEventListener("input", () => {
  const wanted = fold(search.value.trim());
  for (const group of picker.querySelectorAll("details")) {
    const orgName = fold(group.querySelector("summary").textContent);
    let shown = 0;
    for (const row of group.querySelectorAll(".pick")) {
      const match = !wanted || orgName.includes(wanted) || fold(row.textContent).includes(wanted);
      row.hidden = !match;
      shown += match ? 1 : 0;
    }
    group.hidden = shown === 0;
    if (wanted && shown) group.open = true;
  }
});

// -- invite the whole organization --------------------------------------------------------------
picker.addEventListener("click", (event) => {
  const button = event.target.closest("[data-invite-all]");
  if (!button) return;
  event.preventDefault();
  for (const select of button.closest("details").querySelectorAll("select")) {
    if (!select.value) select.value = "member";
  }
  check();
});

// -- live conflicts -----------------------------------------------------------------------------
// The date typed dd/mm/yyyy and the time beside it → "YYYY-MM-DDTHH:MM" (as the server reads them).
function localTime(data, name) {
  const day = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(data.get(`${name}_date`) || "");
  const hour = /^\s*(\d{1,2}):(\d{2})/.exec(data.get(`${name}_time`) || "");
  if (!day || !hour) return null;
  const two = (n) => String(n).padStart(2, "0");
  return `${day[3]}-${two(day[2])}-${two(day[1])}T${two(hour[1])}:${hour[2]}`;
}

function booking() {
  const data = new FormData(form);
  const zone = data.get("time_zone");
  const starts = localTime(data, "starts_at");
  const ends = localTime(data, "ends_at");
  if (!starts || !ends) return null;
  const participants = [];
  for (const select of picker.querySelectorAll("select")) {
    if (!select.value) continue;
    const [kind, ident] = select.name.split(/:(.*)/s);
    participants.push(kind === "user" ? { username: ident, role: select.value }
      : { endpoint: Number(ident), role: select.value });
  }
  const body = {
    starts_at: zonedToIso(starts, zone), ends_at: zonedToIso(ends, zone),
    mode: data.get("mode"), room: data.get("room") || "", participants,
  };
  if (form.dataset.meetingId) body.meeting_id = Number(form.dataset.meetingId);
  return { body, zone };
}

let timer = null;
let asked = 0;
function check() {
  clearTimeout(timer);
  timer = setTimeout(run, 300);
}

async function run() {
  const wanted = booking();
  if (!wanted) return;
  const mine = ++asked;
  let found;
  try {
    found = await api("POST", "/api/meetings/conflicts", wanted.body);
  } catch (error) {
    if (mine === asked) live.replaceChildren(el("p", { className: "error", textContent: error.message }));
    return;
  }
  if (mine !== asked) return; // a later question is on its way
  if (!found.length) {
    live.replaceChildren(el("p", { className: "muted", textContent: strings.noConflicts }));
    return;
  }
  const items = found.map((c) => {
    const from = formatIn(c.starts_at, wanted.zone);
    const to = formatIn(c.ends_at, wanted.zone);
    return el("li", {}, el("a", { href: `/meetings/${c.meeting_id}`, textContent: c.title }),
      `, ${from.time}–${to.time} ${from.date}: ${c.who.join(", ")}`);
  });
  live.replaceChildren(el("p", { textContent: strings.conflictsTitle }), el("ul", {}, ...items));
}

form.addEventListener("change", (event) => {
  if (event.target !== search) check();
});
form.addEventListener("input", (event) => {
  if (event.target.name === "room") check();
});
check();
