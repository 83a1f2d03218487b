// The room's video slots: the server decides who is shown in which slot ("slots": main,
// second, thumb…, audio…) and which mid carries it ("answer"); this part makes the chair's grid
// thumbnails, attaches each received track to its slot's <video> or <audio>, and labels the
// slots with who is in them (and "Shared screen"). Switching speakers needs no renegotiation.
// The main slot is labelled "Main speaker" only while the one shown has the floor or is the
// active speaker; the chair shown while nobody speaks is labelled "Chair".
// Exposes on ecabinetRoomParts: ensureThumbTiles, attachTrack, renderSlots.
"use strict";

(() => {
  const room = window.ecabinetRoomParts;
  if (!room) return;
  const { t, $, state } = room;
  let speaker = null;      // the active speaker (from "speaker")
  let floorHolder = null;  // who has the floor, as "p<id>" (from "session")

  document.addEventListener("ecabinet:room-message", (e) => {
    const m = e.detail;
    if (m.type === "speaker") {
      speaker = m.participant;
    } else if (m.type === "session" && m.state) {
      const speaking = m.state.floor && m.state.floor.speaking;
      floorHolder = speaking ? "p" + speaking.participant_id : null;
    } else {
      return;
    }
    renderSlots();
  });

  function mainLabel(participant) {
    if (!participant) return "";
    if (participant === floorHolder || participant === speaker) return t("Main speaker");
    const entry = state.roster.get(participant);
    return entry && entry.role === "chair" ? t("Chair") : "";
  }

  function ensureThumbTiles(names) {
    const thumbs = $("thumbs");
    for (const name of names) {
      if ($("video-" + name)) continue;
      const figure = document.createElement("figure");
      figure.className = "tile";
      const video = document.createElement("video");
      video.id = "video-" + name;
      video.autoplay = true; video.playsInline = true; video.muted = true;
      const caption = document.createElement("figcaption");
      caption.id = "name-" + name;
      figure.append(video, caption);
      thumbs.append(figure);
    }
  }

  function attachTrack(mid, track) {
    const slot = state.midToSlot.get(mid);
    if (!slot) return;
    let element = $("video-" + slot) || $("audio-" + slot);
    if (!element && track.kind === "audio") {
      element = document.createElement("audio");
      element.id = "audio-" + slot;
      element.autoplay = true;
      $("audio-sinks").append(element);
    }
    if (!element) return;
    const stream = new MediaStream([track]);
    if (element.srcObject && element.srcObject.getTracks()[0] === track) return;
    element.srcObject = stream;
    element.play().catch(() => {});
  }

  function renderSlots() {
    const label = document.querySelector(".tile.main .slot-label");
    if (label) label.textContent = mainLabel(state.slots.main);
    for (const [slot, participant] of Object.entries(state.slots)) {
      const label = $("name-" + slot);
      if (!label) continue;
      const screen = state.sources[slot] === "screen" ? " · " + t("Shared screen") : "";
      label.textContent = participant ? room.nameOf(participant) + screen : "";
    }
  }

  Object.assign(room, { ensureThumbTiles, attachTrack, renderSlots });
})();
