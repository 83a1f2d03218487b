// The room's look and feel, as in Jitsi or BigBlueButton: keyboard shortcuts for the icon
// controls (M microphone, V camera, H hand, S screen, G gallery/speaker view, C the chair's
// console, A mute all; named in each button's tooltip), the speaker view (the main speaker large,
// the second video and yourself beside) and the gallery view (every video the same size, and
// everyone else in the room as a tile with their initials), remembered in this browser; and, for
// moderators, the chair's console as a panel inside the room (static/js/session.js, imported on
// first opening, fills it from the console page and keeps it live).
// Exposes on ecabinetRoomParts: setView(view), toggleConsole(open).
"use strict";

(() => {
  const room = window.ecabinetRoomParts;
  if (!room) return;
  const { t, $, state } = room;
  const root = $("room");
  const VIEW_KEY = "ecabinet-room-view";

  // ------------------------------------------------------------------ views

  function setView(view) {
    const gallery = view === "gallery";
    root.classList.toggle("gallery", gallery);
    root.dataset.view = gallery ? "gallery" : "speaker";
    $("btn-view").setAttribute("aria-pressed", String(gallery));
    room.label("btn-view", gallery ? t("Speaker view") : t("Gallery view"));
    try { localStorage.setItem(VIEW_KEY, root.dataset.view); } catch (_) { /* private mode */ }
    renderGallery();
  }

  function initials(name) {
    return name.split(/\s+/).filter(Boolean).slice(-2).map((w) => w[0].toUpperCase()).join("");
  }

  // Everyone in the room not in a video slot (nor yourself) as a tile, in the gallery only.
  function renderGallery() {
    const box = $("gallery-extra");
    box.replaceChildren();
    if (!root.classList.contains("gallery")) return;
    const shown = new Set(Object.values(state.slots || {}).filter(Boolean));
    for (const e of state.roster.values()) {
      if (shown.has(e.participant) || (state.you && e.participant === state.you.participant)) continue;
      const tile = document.createElement("figure");
      tile.className = "tile avatar";
      tile.dataset.participant = e.participant;
      const face = document.createElement("span");
      face.className = "initials";
      face.setAttribute("aria-hidden", "true");
      face.textContent = initials(e.name);
      const caption = document.createElement("figcaption");
      caption.textContent = e.name + (e.audio ? "" : " · " + t("muted")) + (e.hand ? " · " + t("hand raised") : "");
      tile.append(face, caption);
      box.append(tile);
    }
  }

  const renderRoster = room.renderRoster;
  room.renderRoster = () => { renderRoster(); renderGallery(); };
  const renderSlots = room.renderSlots;
  room.renderSlots = () => { renderSlots(); renderGallery(); };

  $("btn-view").addEventListener("click", () => setView(root.classList.contains("gallery") ? "speaker" : "gallery"));

  // ------------------------------------------------------------------ the chair's console

  const panel = $("console-panel");
  let consoleLoaded = false;

  function toggleConsole(open) {
    if (!state.you || !state.you.moderator) return;
    const show = open === undefined ? panel.hidden : open;
    panel.hidden = !show;
    root.classList.toggle("with-console", show);
    $("btn-console").setAttribute("aria-pressed", String(show));
    if (show && !consoleLoaded) {
      consoleLoaded = true;
      import(panel.dataset.script).catch(() => { consoleLoaded = false; });
    }
    if (show) $("console-panel-h").focus();
    else $("btn-console").focus();
  }
  $("console-panel-h").tabIndex = -1;
  $("btn-console").addEventListener("click", () => toggleConsole());
  $("console-close").addEventListener("click", () => toggleConsole(false));
  room.label("btn-console", t("Chair's console"));

  // ------------------------------------------------------------------ keyboard shortcuts

  const KEYS = {
    m: "btn-mic", v: "btn-cam", h: "btn-hand", s: "btn-share", g: "btn-view", c: "btn-console", a: "btn-mute-all",
  };

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (typing(event.target) || document.querySelector("dialog[open]")) return;
    if (event.key === "Escape" && !panel.hidden) { toggleConsole(false); return; }
    const id = KEYS[event.key.toLowerCase()];
    if (!id) return;
    const button = $(id);
    if (!button || button.disabled || button.closest("[hidden]")) return;
    event.preventDefault();
    button.click();
  });

  for (const b of document.querySelectorAll(".controls .ctl")) {
    if (!b.title) room.label(b.id, (b.querySelector(".label") || b).textContent);
  }
  let saved = "speaker";
  try { saved = localStorage.getItem(VIEW_KEY) || "speaker"; } catch (_) { /* private mode */ }
  setView(saved);

  Object.assign(room, { setView, toggleConsole });
})();
