// The document reader's shared context: the page's settings (data-* of #reader), the texts
// (#reader-data, translated on the server), the reader's state, and the small helpers every part
// uses. No inline scripts (CSP); every write sends the CSRF token from <meta name="csrf-token">.
// Exposes: cfg, DATA, T, documentId, version, meetingId, $, state, showError, api, guarded, el;
// and window.__reader = {state, ready, live} (read by reader_follow.js and the tests).
"use strict";

export { api, el } from "./http.js"; // shared with the documents and opinions pages

const root = document.getElementById("reader");
export const cfg = root.dataset;
export const DATA = JSON.parse(document.getElementById("reader-data").textContent);
export const T = DATA.text;
export const documentId = Number(cfg.document);
export const version = Number(cfg.version);
export const meetingId = Number(cfg.meeting);
export const $ = (id) => document.getElementById(id);

export const state = {
  annotations: new Map(), // id → annotation (API shape)
  tool: "select",
  pendingNote: null, // {page, point}
  ink: new Map(), // page → [[x, y], ...][] strokes not yet saved
  pdfViewer: null,
  eventBus: null,
};
window.__reader = { state, ready: false, live: false };

export function showError(message) {
  const box = $("page-error");
  box.textContent = message;
  box.hidden = false;
  setTimeout(() => { box.hidden = true; }, 8000);
}

export const guarded = (fn) => (event) => Promise.resolve(fn(event)).catch((err) => showError(err.message));
