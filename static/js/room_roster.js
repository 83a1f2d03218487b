// The room's people: the participants' list (with hand, muted, camera-off and sharing badges)
// and, for the chair, the lobby with Admit / Deny and each participant's controls (Mute, Stop
// video, Lower hand, Stop sharing, Remove), sent as signaling messages.
// Exposes on ecabinetRoomParts: nameOf, renderRoster.
"use strict";

(() => {
  const room = window.ecabinetRoomParts;
  if (!room) return;
  const { t, $, state, send } = room;

  function nameOf(participant) {
    const entry = state.roster.get(participant);
    return entry ? entry.name : "";
  }

  function button(text, onClick, className) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    if (className) b.className = className;
    b.addEventListener("click", onClick);
    return b;
  }

  // A raised hand is a request to speak (room_floor.js): say its place in the queue.
  function handText(e) {
    const place = room.queuePosition ? room.queuePosition(e.participant) : 0;
    return place ? t("hand raised") + " · " + t("queue") + " " + place : t("hand raised");
  }

  function entryItem(e, moderatorControls) {
    const li = document.createElement("li");
    li.dataset.participant = e.participant;
    const who = document.createElement("span");
    who.className = "person";
    who.textContent = e.name + (state.you && e.participant === state.you.participant ? " (" + t("You") + ")" : "");
    const org = document.createElement("span");
    org.className = "org";
    org.textContent = (e.endpoint ? t("Endpoint") + " · " : "") + e.organization
      + (e.role === "chair" ? " · " + t("chair") : "");
    const flags = document.createElement("span");
    flags.className = "flags";
    for (const [on, text, kind] of [
      [e.hand, handText(e), "hand"],
      [!e.audio, t("muted"), "muted"],
      [!e.video, t("camera off"), "off"],
      [state.sharer === e.participant, t("sharing screen"), "screen"],
      [e.connection === "lost", t("connection lost"), "lost"],
    ]) {
      if (!on) continue;
      const badge = document.createElement("span");
      badge.className = "badge " + kind;
      badge.textContent = text;
      flags.append(badge);
    }
    li.append(who, org, flags);
    for (const control of moderatorControls) li.append(control);
    return li;
  }

  function renderRoster() {
    const moderator = state.you && state.you.moderator;
    const roster = $("roster");
    roster.replaceChildren();
    for (const e of state.roster.values()) {
      const controls = [];
      if (moderator && state.you.participant !== e.participant) {
        if (room.floorControls) controls.push(...room.floorControls(e));
        if (e.audio) controls.push(button(t("Mute"), () => send("mute", { participant: e.participant })));
        if (e.video) controls.push(button(t("Stop video"), () => send("stop_video", { participant: e.participant })));
        if (e.hand) controls.push(button(t("Lower hand"), () => send("lower_hand", { participant: e.participant })));
        if (state.sharer === e.participant) controls.push(button(t("Stop sharing"), () => send("stop_screen", { participant: e.participant })));
        controls.push(button(t("Remove"), () => send("remove", { participant: e.participant }), "danger"));
      }
      roster.append(entryItem(e, controls));
    }
    const lobby = $("lobby");
    lobby.replaceChildren();
    if (moderator) {
      for (const e of state.waiting.values()) {
        lobby.append(entryItem(e, [
          button(t("Admit"), () => send("admit", { participant: e.participant })),
          button(t("Deny"), () => send("deny", { participant: e.participant }), "danger"),
        ]));
      }
    }
    room.renderSlots();
  }

  Object.assign(room, { nameOf, renderRoster });
})();
