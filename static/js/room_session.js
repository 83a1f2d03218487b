// The session in the meeting room: the current agenda item and its documents, the floor (speaker
// with a timer against the planned time, the queue, "ask for the floor"), the open vote with this
// member's buttons and the result once closed, the quorum; the "you have the floor — unmute?"
// prompt; and the offer to follow a presented document in the reader.
//
// room.js and its parts own the socket (room_signaling.js) and the media (room_peer.js). room.js
// re-dispatches every server message as the DOM event "ecabinet:room-message"; this module asks
// it to send with "ecabinet:room-send" and to switch the microphone on with "ecabinet:unmute"
// (only ever from a click: browsers and people expect the microphone to follow a gesture, and
// nobody is unmuted from afar).
// Readers opened from here ("?meeting=ID") talk to this page over a BroadcastChannel
// (static/js/reader_follow.js): they get the latest `presenting` message and may send
// `present` / `stop_presenting`, which this page forwards on its socket.
// An opened vote also comes up as a dialog over the room for every voter (vote_dialog.js).
"use strict";

import { VoteDialog, VOTE_LABELS } from "./vote_dialog.js";

const root = document.getElementById("room");
const panel = document.getElementById("session-panel");
const S = JSON.parse(document.getElementById("room-strings").textContent);
const t = (text) => S[text] || text;
const $ = (id) => document.getElementById(id);
const meetingId = Number(root.dataset.meeting);
const csrf = document.querySelector('meta[name="csrf-token"]').content;

const live = {
  you: null,          // {participant: "p12", moderator, ...} from welcome
  state: null,        // the latest public session state (applied in version order)
  receivedAt: 0,      // when it arrived (the speaking timer counts on from the server's value)
  mine: null,         // this viewer's own snapshot (seats to vote for, own choices)
  documents: null,    // the meeting's documents this viewer may read
  presenting: null,   // the latest `presenting` message
  promptedFor: null,  // the speech id the unmute prompt was shown for
  votesSent: 0,       // votes (and changes) the server accepted from this page
};
window.ecabinetSession = live; // read-only by convention (tests and the curious)

const channel = "BroadcastChannel" in window ? new BroadcastChannel(`ecabinet-room-${meetingId}`) : null;

function sendOnSocket(type, fields) {
  document.dispatchEvent(new CustomEvent("ecabinet:room-send", { detail: { type, fields } }));
}

async function api(method, path, body) {
  const resp = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = resp.status === 204 ? {} : await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error(data.error ? data.error.message : resp.statusText);
  return data;
}

function say(text) {
  const box = $("session-error");
  box.textContent = text;
  box.hidden = !text;
}

const guarded = (fn) => (event) => Promise.resolve(fn(event)).then(() => say("")).catch((err) => say(err.message));

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node[key] = value;
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// Labels for the words the state carries as codes (other vote options are names: shown as is);
// the same words as the vote dialog's and the console's.
const label = (code) => t(VOTE_LABELS[code] || code);
const dialog = new VoteDialog({
  t, me: null, csrf,
  onVoted: async () => { live.votesSent += 1; await loadMine(); },
});

const fmt = (s) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
const myNumber = () => (live.you && live.you.participant.startsWith("p") ? Number(live.you.participant.slice(1)) : null);
const nameOf = (id) => (live.state && live.state.names[String(id)]) || "#" + id;

// ------------------------------------------------------------------ receiving

document.addEventListener("ecabinet:room-message", (event) => {
  const m = event.detail;
  if (m.type === "welcome") {
    live.you = m.you;
    dialog.me = myNumber();
  } else if (m.type === "session") {
    if (live.state && m.version < live.state.version) return; // an older state: ignore
    const itemChanged = !live.state || live.state.current_item_id !== m.state.current_item_id;
    live.state = m.state;
    live.receivedAt = Date.now();
    panel.hidden = false;
    render();
    if (itemChanged || live.documents === null) loadDocuments();
    if (m.event === "snapshot" || m.event.startsWith("motion.")) loadMine();
    // A reader of this meeting in another tab shows the vote too (reader_vote.js).
    if (channel) channel.postMessage({ type: "session", version: m.version, event: m.event });
  } else if (m.type === "presenting") {
    live.presenting = m.document === null ? null : m;
    renderPresenting();
    if (channel) channel.postMessage({ type: "presenting", message: m });
  } else if (m.type === "error" && (m.ref === "present" || m.ref === "stop_presenting")) {
    if (channel) channel.postMessage({ type: "error", message: m.message });
  }
  if (m.type === "welcome" || m.type === "session") tellReaders();
});

// One load at a time: a vote's own reload and the session event it causes both ask; answers
// arriving out of order would show the choice before the last one. A request made while one is
// in flight runs once more after it, so the last answer applied is never older than the ask.
let loadingMine = null;
let loadMineAgain = false;
function loadMine() {
  if (loadingMine) { loadMineAgain = true; return loadingMine; }
  loadingMine = (async () => {
    do {
      loadMineAgain = false;
      try {
        live.mine = await api("GET", `/api/meetings/${meetingId}/session`);
      } catch (err) {
        live.mine = null;
      }
      renderVotes();
    } while (loadMineAgain);
  })().finally(() => { loadingMine = null; });
  return loadingMine;
}

async function loadDocuments() {
  try {
    live.documents = await api("GET", `/api/meetings/${meetingId}/documents`);
  } catch (err) {
    live.documents = [];
  }
  renderItem();
  renderPresenting();
}

// ------------------------------------------------------------------ rendering

function render() {
  const s = live.state;
  const q = s.quorum || {};
  const quorum = $("session-quorum");
  quorum.textContent = `${q.reached ? t("Quorum reached") : t("No quorum")}: ${q.counted}/${q.members} (${t("required")} ${q.required})`;
  quorum.className = q.reached ? "ok" : "alert-text";
  let status = t("The session has not started.");
  if (s.status === "ended") status = t("The session has ended.");
  else if (s.started) status = t("The session is in progress.");
  $("session-status").textContent = status;
  renderItem();
  renderFloor();
  renderVotes();
  renderPrompt();
}

function renderItem() {
  const s = live.state;
  if (!s) return;
  const item = (s.items || []).find((i) => i.id === s.current_item_id);
  $("session-item").textContent = item ? item.title : t("No current item");
  const list = $("session-item-docs");
  list.replaceChildren();
  const docs = (live.documents || []).filter((d) => item && d.agenda_item_id === item.id && !d.withdrawn);
  for (const d of docs) {
    list.append(el("li", {}, el("a", {
      href: `/documents/${d.id}/read`, target: "_blank", rel: "noopener", textContent: d.title,
    })));
  }
}

function renderFloor() {
  const s = live.state;
  const floor = s.floor || { speaking: null, queue: [] };
  const speaking = floor.speaking;
  $("floor-speaker").textContent = speaking ? nameOf(speaking.participant_id) : t("Nobody has the floor.");
  $("floor-timer").hidden = !speaking;
  tick();
  const queue = $("floor-queue");
  queue.replaceChildren();
  const me = myNumber();
  for (const r of floor.queue) {
    const li = el("li", { dataset: { request: r.id } }, nameOf(r.participant_id));
    if (r.agenda_item_id) {
      const item = s.items.find((i) => i.id === r.agenda_item_id);
      li.append(" · ", el("small", { textContent: item ? item.title : "" }));
    }
    if (r.participant_id === me) {
      li.append(" ", el("button", {
        type: "button", textContent: t("Withdraw"),
        onclick: guarded(() => api("POST", `/api/meetings/${meetingId}/floor/requests/${r.id}/withdraw`)),
      }));
    }
    queue.append(li);
  }
  if (!floor.queue.length) queue.append(el("li", { className: "muted empty", textContent: t("Nobody has asked for the floor.") }));
  // "Ask for the floor" is the raised hand (room_floor.js owns the button).
}

function tick() {
  const s = live.state;
  const speaking = s && s.floor && s.floor.speaking;
  const timer = $("floor-timer");
  if (!speaking) return;
  const elapsed = speaking.elapsed_seconds + Math.max(0, Math.round((Date.now() - live.receivedAt) / 1000));
  const planned = speaking.planned_seconds;
  timer.textContent = planned ? `${fmt(elapsed)} / ${fmt(planned)}` : fmt(elapsed);
  timer.classList.toggle("overtime", planned > 0 && elapsed > planned);
}

function renderVotes() {
  const s = live.state;
  const box = $("session-votes");
  if (!s) return;
  box.replaceChildren();
  const motions = s.motions || [];
  const open = motions.find((mo) => mo.status === "open");
  const closed = motions.filter((mo) => mo.status === "closed");
  const last = closed[closed.length - 1];
  for (const mo of [open, last]) {
    if (!mo) continue;
    box.append(motionCard(mo));
  }
  if (!open && !last) box.append(el("p", { className: "muted", textContent: t("No votes yet.") }));
  const mine = open && live.mine && live.mine.motions ? live.mine.motions.find((x) => x.id === open.id) : null;
  dialog.update(open || null, mine || null);
}

function motionCard(mo) {
  const card = el("article", { className: "motion", dataset: { motion: mo.id, status: mo.status } });
  const head = el("h3", {}, mo.title, " ", el("span", { className: "badge", textContent: label(mo.status) }));
  if (mo.secret) head.append(el("span", { className: "badge", textContent: t("Secret vote") }));
  card.append(head);
  if (mo.secret && mo.status === "open") card.append(el("p", { className: "muted", textContent: t("Secret ballot: nobody can see how you voted.") }));
  card.append(el("p", { textContent: `${t("Votes cast")}: ${mo.votes_cast}` }));
  if (mo.status === "open") {
    const mine = live.mine && live.mine.motions ? live.mine.motions.find((x) => x.id === mo.id) : null;
    for (const seat of mine ? mine.may_vote_for : []) card.append(ballot(mo, seat, mine.my_choices[String(seat)]));
  } else if (mo.result) {
    const tally = mo.result.tally || {};
    card.append(el("p", { className: "tally", textContent: Object.entries(tally).map(([o, n]) => `${label(o)}: ${n}`).join(" · ") }));
    if (mo.result.decision) card.append(el("p", { className: "outcome" }, el("strong", { textContent: label(mo.result.decision.outcome) })));
    else if (mo.result.leading) card.append(el("p", { className: "outcome", textContent: mo.result.leading.map(label).join(", ") }));
  }
  return card;
}

function ballot(mo, seat, choice) {
  const box = el("div", { className: "vote", dataset: { member: seat } });
  if (seat !== myNumber()) box.append(el("small", { textContent: t("For the member you stand in for") }));
  const voted = el("p", { className: "voted" });
  if (choice) voted.textContent = mo.secret ? t("You have voted") : `${t("You have voted")}: ${label(choice)}`;
  const buttons = el("div", { className: "actions" });
  for (const option of mo.options) {
    buttons.append(el("button", {
      type: "button", textContent: label(option), dataset: { choice: option },
      className: !mo.secret && choice === option ? "chosen" : "",
      onclick: guarded(() => vote(mo, seat, option)),
    }));
  }
  box.append(buttons, voted);
  return box;
}

async function vote(mo, seat, option) {
  const key = `receipt:${mo.id}:${seat}`;
  const body = { choice: option, for_member_id: seat };
  if (mo.secret && sessionStorage.getItem(key)) body.receipt = sessionStorage.getItem(key);
  const result = await api("POST", `/api/motions/${mo.id}/votes`, body);
  if (result.receipt) sessionStorage.setItem(key, result.receipt);
  live.votesSent += 1;
  await loadMine();
}

// ------------------------------------------------------------------ the floor: unmute prompt

function renderPrompt() {
  const speaking = live.state && live.state.floor && live.state.floor.speaking;
  const prompt = $("floor-prompt");
  const mine = speaking && speaking.participant_id === myNumber();
  const room = window.ecabinetRoom;
  if (!mine) {
    prompt.hidden = true;
    live.promptedFor = null;
    return;
  }
  if (live.promptedFor !== speaking.id && room && !room.audioOn) {
    live.promptedFor = speaking.id;
    prompt.hidden = false;
    $("floor-unmute").focus();
  }
}

$("floor-unmute").addEventListener("click", () => {
  document.dispatchEvent(new CustomEvent("ecabinet:unmute"));
  $("floor-prompt").hidden = true;
});
$("floor-dismiss").addEventListener("click", () => { $("floor-prompt").hidden = true; });

// ------------------------------------------------------------------ presenting

function renderPresenting() {
  const box = $("presenting");
  const p = live.presenting;
  box.hidden = !p;
  if (!p) return;
  const doc = (live.documents || []).find((d) => d.id === p.document);
  $("presenting-text").textContent = `${p.name} ${t("is presenting")}: ${doc ? doc.title : "#" + p.document} (${t("page")} ${p.page})`;
  $("presenting-open").href = `/documents/${p.document}/read`;
}

function mayPresent() {
  if (!live.you) return false;
  if (live.you.moderator) return true;
  const s = live.state;
  const speaking = s && s.floor && s.floor.speaking;
  const item = s && (s.items || []).find((i) => i.id === s.current_item_id);
  const me = myNumber();
  return Boolean((speaking && speaking.participant_id === me) || (item && item.presenter_participant_id === me));
}

function tellReaders() {
  if (channel) channel.postMessage({ type: "room", you: live.you && live.you.participant, may_present: mayPresent() });
}

if (channel) {
  channel.addEventListener("message", (event) => {
    const m = event.data || {};
    if (m.type === "hello") {
      tellReaders();
      channel.postMessage({ type: "presenting", message: live.presenting || { type: "presenting", document: null } });
    } else if (m.type === "present") {
      sendOnSocket("present", { document: m.document, page: m.page, zoom: m.zoom });
    } else if (m.type === "stop_presenting") {
      sendOnSocket("stop_presenting");
    }
  });
}

setInterval(() => {
  tick();
  // Unmuted some other way (the microphone button): the prompt has done its job.
  if (window.ecabinetRoom && window.ecabinetRoom.audioOn) $("floor-prompt").hidden = true;
}, 1000);
