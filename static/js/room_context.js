// The browser meeting room's shared context (loaded first of the room's parts, after
// room_media.js): the page's settings and strings (#room-strings, translated on the server), the
// room's state, the status line and notices, and sending on the signaling socket.
// Exposes window.ecabinetRoomParts = { t, $, meetingId, joinUrl, csrf, AUDIO_SLOTS, THUMBNAILS,
// media, state, status, notice, send }; every part of the room adds its functions to it.
// Also window.ecabinetRoom: the room's state, read-only by convention (tests and the curious).
"use strict";

(() => {
  const root = document.getElementById("room");
  if (!root) return;
  const S = JSON.parse(document.getElementById("room-strings").textContent);
  const t = (text) => S[text] || text;
  const $ = (id) => document.getElementById(id);
  const meetingId = root.dataset.meeting;
  const joinUrl = root.dataset.joinUrl;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  const AUDIO_SLOTS = 3;
  const THUMBNAILS = 6;
  const media = window.ecabinetMedia;

  const state = {
    ticket: null,
    ws: null,
    you: null,
    lobby: true,
    roster: new Map(),
    waiting: new Map(),
    slots: {},
    sources: {},        // slot → "audio" | "video" (camera) | "screen"
    sharer: null,       // who shares a screen (from "screen")
    quality: null,      // the last connection-quality sample (room_media.js)
    midToSlot: new Map(),
    pc: null,
    mediaWs: null,      // the socket the current media was negotiated on
    local: null,        // MediaStream from the camera and microphone
    screen: null,       // MediaStream of a screen share
    audioOn: false,
    videoOn: true,
    hand: false,
    page: 0,
    closedForGood: false,
    retry: 0,
    stopStats: null,
    unwatch: null,
    retryAfter: null,   // ms, the server's hint in "reconnect" (used once)
  };
  // For tests and the curious: the room's state, read-only by convention.
  window.ecabinetRoom = state;

  // ------------------------------------------------------------------ status and notices

  function status(text) { $("status").textContent = text; }
  function notice(text) {
    const el = $("notice");
    el.textContent = text;
    el.hidden = !text;
  }

  function send(type, fields) {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) {
      state.ws.send(JSON.stringify(Object.assign({ v: 1, type }, fields || {})));
    }
  }

  window.ecabinetRoomParts = {
    t, $, meetingId, joinUrl, csrf, AUDIO_SLOTS, THUMBNAILS, media, state, status, notice, send,
  };
})();
