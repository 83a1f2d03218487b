// The room's signaling socket: a ticket from POST /api/meetings/{id}/join, the WebSocket and
// its {"v":1,"type":"auth"}, and reconnecting when the network drops or the server says
// "reconnect" (it is restarting; close 1012): a new ticket after the server's retry_after hint
// or an exponential backoff with jitter (0.25 s doubling to 10 s). Closes that mean "not
// allowed here" (FINAL_CLOSES) end the room for good. Each message goes to room.handle (room.js).
// Resuming (docs/signaling.md §5a): "welcome" carries a single-use resumption token; the next
// socket presents it in "auth". When the server answers "resumed": true the peer connection is
// kept (no new offer) unless ICE itself failed meanwhile; while we hold a token the backoff is
// capped at 2 s so that we come back inside the server's grace period (15 s).
// Exposes on ecabinetRoomParts: connect.
"use strict";

(() => {
  const room = window.ecabinetRoomParts;
  if (!room) return;
  const { t, joinUrl, csrf, state, status, notice, send } = room;

  const FINAL_CLOSES = new Set([4401, 4403, 4404, 4409, 4410]);

  async function fetchTicket() {
    const response = await fetch(joinUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" },
      body: "{}",
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : response.status);
    return body;
  }

  async function connect() {
    status(state.retry ? t("Reconnecting…") : t("Connecting…"));
    try {
      const ticket = fetchTicket();
      // The camera's start-up overlaps the ticket and the socket (once; room_peer.js).
      if (room.openLocal) room.openLocal();
      state.ticket = await ticket;
    } catch (err) {
      notice(String(err.message || err));
      scheduleReconnect();
      return;
    }
    if (room.prepareMedia) room.prepareMedia(state.ticket);  // offer ready by the snapshot
    const ws = new WebSocket(state.ticket.ws_url);
    state.ws = ws;
    ws.onopen = () => {
      const auth = { token: state.ticket.token };
      if (state.resumeToken) auth.resume = state.resumeToken;
      state.resumeToken = null;  // single use: a refused resume gets a fresh one in "welcome"
      send("auth", auth);
    };
    ws.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (err) { return; }
      if (message.type === "welcome") welcomed(ws, message);
      room.handle(message);
    };
    ws.onclose = (event) => {
      if (state.ws !== ws) return;
      if (FINAL_CLOSES.has(event.code) || state.closedForGood) {
        state.closedForGood = true;
        room.stopMedia();
        status("");
        return;
      }
      scheduleReconnect();
    };
  }

  function mediaHealthy() {
    const pc = state.pc;
    return Boolean(pc) && !["failed", "closed"].includes(pc.connectionState)
      && pc.signalingState === "stable";
  }

  function welcomed(ws, m) {
    state.resumeToken = typeof m.resume === "string" ? m.resume : null;
    state.resumed = m.resumed === true;
    if (state.resumed) state.resumes = (state.resumes || 0) + 1;
    // Resumed with a healthy peer connection: it stays, the media never stopped (room_peer.js
    // offers again only when the media was negotiated on another socket).
    if (state.resumed && mediaHealthy()) state.mediaWs = ws;
  }

  function scheduleReconnect() {
    if (state.closedForGood) return;
    state.retry += 1;
    status(t("Reconnecting…"));
    // Jitter: a whole meeting dropped at once must not come back in the same instant.
    let delay;
    if (state.retryAfter !== null) {
      delay = state.retryAfter * (0.5 + Math.random());
      state.retryAfter = null;
    } else {
      // Inside the resume grace period (a token in hand) we try at least every 2 s.
      const cap = state.resumeToken ? 2000 : 10000;
      const ceiling = Math.min(cap, 250 * 2 ** Math.min(state.retry, 6));
      delay = ceiling / 2 + Math.random() * ceiling / 2;
    }
    setTimeout(connect, delay);
  }

  window.addEventListener("online", () => {
    if (state.ws && state.ws.readyState !== WebSocket.OPEN && !state.closedForGood) connect();
  });

  Object.assign(room, { connect });
})();
