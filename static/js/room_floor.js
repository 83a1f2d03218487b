// The floor inside the room: the raised hand IS the request to speak. Raising it (the hand
// button, the session panel's "Ask for the floor", the H key) enters the speaking queue; lowering
// it withdraws. The server keeps the queue and sets everyone's hand from it (signaling/floor_hand.py),
// so this part takes this member's own hand from each session state: it goes down when the chair
// gives the floor, skips the request or the member withdraws it. Asking works before the chair
// starts the session: the request waits in the queue.
// For moderators, each participant in the room's roster gets "Give the floor" (waiting in the
// queue) or "Take the floor back" (speaking), over the floor's JSON API.
// Exposes on ecabinetRoomParts: floorControls(entry), floor (the latest public floor state).
"use strict";

(() => {
  const room = window.ecabinetRoomParts;
  if (!room) return;
  const { t, $, meetingId, csrf, state, notice } = room;
  const floor = { version: -1, speaking: null, queue: [] };
  let pending = null; // {want, until}: our own click, until a state says so (or 5 s pass)

  const mine = (participant) => state.you && state.you.participant === participant;
  const pid = (r) => "p" + r.participant_id;

  async function api(path, body) {
    const resp = await fetch(`/api/meetings/${meetingId}${path}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
    if (!resp.ok) {
      const data = await resp.json().catch(() => ({}));
      notice(data.error ? data.error.message : resp.statusText);
    }
  }

  function button(text, onClick, className) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.className = className || "";
    b.addEventListener("click", onClick);
    return b;
  }

  function floorControls(e) {
    const controls = [];
    const waiting = floor.queue.find((r) => pid(r) === e.participant);
    if (waiting) {
      controls.push(button(t("Give the floor"), () => api(`/floor/requests/${waiting.id}/grant`, {}), "floor-give"));
    }
    if (floor.speaking && pid(floor.speaking) === e.participant) {
      controls.push(button(t("Take the floor back"), () => api(`/floor/requests/${floor.speaking.id}/revoke`), "floor-take"));
    }
    return controls;
  }

  function queuePosition(participant) {
    const i = floor.queue.findIndex((r) => pid(r) === participant);
    return i < 0 ? 0 : i + 1;
  }

  function renderAsk() {
    const ask = $("ask-floor");
    if (!ask) return;
    const speaking = floor.speaking && mine(pid(floor.speaking));
    ask.textContent = state.hand ? t("Lower hand (withdraw the request)") : t("Ask for the floor (raise hand)");
    ask.setAttribute("aria-pressed", String(state.hand));
    ask.disabled = Boolean(speaking) || !state.you || !state.you.participant.startsWith("p");
  }

  document.addEventListener("ecabinet:room-message", (event) => {
    const m = event.detail;
    if (m.type !== "session" || m.version < floor.version) return;
    const f = (m.state && m.state.floor) || { speaking: null, queue: [] };
    Object.assign(floor, { version: m.version, speaking: f.speaking, queue: f.queue });
    if (state.you && state.you.participant.startsWith("p")) {
      const inQueue = queuePosition(state.you.participant) > 0;
      if (pending && (pending.want === inQueue || Date.now() > pending.until)) pending = null;
      if (!pending) state.hand = inQueue;
    }
    room.renderButtons();
    room.renderRoster();
    renderAsk();
  });

  // Our own click: room_controls.js has toggled state.hand and told the server.
  $("btn-hand").addEventListener("click", () => {
    pending = { want: state.hand, until: Date.now() + 5000 };
    renderAsk();
  });
  const ask = $("ask-floor");
  if (ask) ask.addEventListener("click", () => $("btn-hand").click());

  Object.assign(room, { floorControls, floor, queuePosition });
})();
