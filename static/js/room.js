// The browser meeting room. No framework; CSP-compatible (no inline script, no eval).
//
// Flow: POST /api/meetings/{id}/join → WebSocket → {"v":1,"type":"auth"} → welcome (lobby or
// snapshot) → one RTCPeerConnection with fixed m-lines (first audio + first video publish our
// microphone and camera; the others receive the slots the server fills: main, second, audio…,
// and on the chair's console a grid of thumbnails). The server decides who is shown in which
// slot and tells us ("slots"); switching speakers needs no renegotiation.
// When the network drops, or the server says "reconnect" (it is restarting; close 1012), we
// reconnect the socket (new ticket) after the server's retry_after hint or an exponential backoff
// with jitter, re-send our hand, and renegotiate the media with a fresh offer ("restart": aiortc
// has no ICE restart, so the server rebuilds the peer connection).
// This file routes each server message to the part of the room that owns it and starts the room.
// The parts, loaded before it in this order (templates/meetings/room.html):
//   room_media.js     screen-share, quality-meter and watchdog helpers (window.ecabinetMedia)
//   room_context.js   settings, strings, state, status, notices, send (window.ecabinetRoomParts)
//   room_signaling.js ticket, socket, auth, reconnect with backoff and jitter
//   room_devices.js   camera and microphone, pickers
//   room_peer.js      the peer connection: offer, answer, restart
//   room_slots.js     video slots and the chair's thumbnail grid
//   room_quality.js   connection-quality meter and the quality the server asks of our camera
//   room_roster.js    participants, lobby, the chair's controls per participant
//   room_share.js     screen share
//   room_controls.js  the control bar
// Exposes on ecabinetRoomParts: handle.
"use strict";

(() => {
  const room = window.ecabinetRoomParts;
  if (!room) return;
  const { t, $, state, notice, send, status } = room;

  function handle(m) {
    // The session panel (room_session.js) listens to every message too.
    document.dispatchEvent(new CustomEvent("ecabinet:room-message", { detail: m }));
    switch (m.type) {
      case "welcome":
        state.you = m.you;
        state.lobby = m.you.lobby;
        document.querySelectorAll(".chair-only").forEach((el) => { el.hidden = !m.you.moderator; });
        $("grid").hidden = !m.you.moderator;
        status(t("Connected"));
        if (state.retry && state.hand) send("hand", { raised: true });  // the server forgot it
        state.retry = 0;
        break;
      case "reconnect":
        state.retryAfter = Math.max(0, Math.min(60, Number(m.retry_after) || 0)) * 1000;
        break;
      case "lobby":
        notice(t("Waiting for the chair to admit you."));
        break;
      case "admitted":
        state.lobby = false;
        notice(t("You were admitted."));
        break;
      case "snapshot":
        state.roster = new Map(m.roster.map((e) => [e.participant, e]));
        state.waiting = new Map(m.lobby.map((e) => [e.participant, e]));
        room.renderRoster();
        if (!state.lobby) room.startMedia();
        break;
      case "participant": {
        const e = m.participant;
        (e.lobby ? state.waiting : state.roster).set(e.participant, e);
        (e.lobby ? state.roster : state.waiting).delete(e.participant);
        room.renderRoster();
        room.renderSlots();
        break;
      }
      case "participant_left":
        state.roster.delete(m.participant);
        state.waiting.delete(m.participant);
        room.renderRoster();
        break;
      case "answer":
        room.applyAnswer(m);
        break;
      case "slots":
        state.slots = m.slots;
        state.sources = m.sources || {};
        room.renderSlots();
        break;
      case "screen":
        room.screenChanged(m.participant);
        break;
      case "screen_stopped":
        room.stopShare(false);
        notice(t("The chair stopped your screen share."));
        break;
      case "quality":
        room.applyQuality(m.quality);
        break;
      case "muted":
        room.setAudio(false, false);
        notice(t("The chair muted your microphone."));
        break;
      case "video_stopped":
        room.setVideo(false, false);
        notice(t("The chair stopped your camera."));
        break;
      case "hand_lowered":
        state.hand = false;
        room.renderButtons();
        notice(t("The chair lowered your hand."));
        break;
      case "denied":
        notice(t("The chair did not admit you."));
        break;
      case "removed":
        notice(t("You were removed from the meeting."));
        break;
      case "meeting_ended":
        notice(t("The meeting has ended."));
        break;
      case "error":
        if (m.ref === "offer") notice(m.message);
        if (m.ref === "screen_share") {
          room.stopShare(false);
          notice(m.code === "screen_busy" ? t("Someone else is sharing their screen.")
                                           : t("Cannot share the screen."));
        }
        break;
      default:
        break;
    }
  }

  room.handle = handle;
  // From the session panel (room_session.js): messages to send, and the speaker's own unmute.
  document.addEventListener("ecabinet:room-send", (e) => send(e.detail.type, e.detail.fields));
  document.addEventListener("ecabinet:unmute", () => room.setAudio(true));

  room.renderButtons();
  room.connect();
})();
