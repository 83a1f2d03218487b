// The room's signaling socket: a ticket from POST /api/meetings/{id}/join, the WebSocket and
// its {"v":1,"type":"auth"}, and reconnecting when the network drops or the server says
// "reconnect" (it is restarting; close 1012): a new ticket after the server's retry_after hint
// or an exponential backoff with jitter (0.25 s doubling to 10 s). Closes that mean "not
// allowed here" (FINAL_CLOSES) end the room for good. Each message goes to room.handle (room.js).
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
      state.ticket = await fetchTicket();
    } catch (err) {
      notice(String(err.message || err));
      scheduleReconnect();
      return;
    }
    const ws = new WebSocket(state.ticket.ws_url);
    state.ws = ws;
    ws.onopen = () => send("auth", { token: state.ticket.token });
    ws.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (err) { return; }
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
      const ceiling = Math.min(10000, 250 * 2 ** Math.min(state.retry, 6));
      delay = ceiling / 2 + Math.random() * ceiling / 2;
    }
    setTimeout(connect, delay);
  }

  window.addEventListener("online", () => {
    if (state.ws && state.ws.readyState !== WebSocket.OPEN && !state.closedForGood) connect();
  });

  Object.assign(room, { connect });
})();
