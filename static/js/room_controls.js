// The room's control bar: the buttons' labels and pressed states, microphone and camera on/off
// (told to the server as "media_state"), raise/lower hand, share, leave, the chair's "Mute all"
// and "End meeting", the device pickers and the chair's thumbnail pager.
// Exposes on ecabinetRoomParts: renderButtons, setAudio, setVideo.
"use strict";

(() => {
  const room = window.ecabinetRoomParts;
  if (!room) return;
  const { t, $, meetingId, state, send } = room;

  // An icon button's text label (its .label; the icons are inline SVG) and its tooltip, which
  // names the keyboard shortcut (data-shortcut, handled by room_layout.js).
  function label(id, text) {
    const b = $(id);
    (b.querySelector(".label") || b).textContent = text;
    b.title = b.dataset.shortcut ? `${text} (${b.dataset.shortcut})` : text;
  }

  function renderButtons() {
    label("btn-mic", state.audioOn ? t("Mute") : t("Unmute"));
    $("btn-mic").setAttribute("aria-pressed", String(state.audioOn));
    label("btn-cam", state.videoOn ? t("Stop camera") : t("Start camera"));
    $("btn-cam").setAttribute("aria-pressed", String(state.videoOn));
    label("btn-hand", state.hand ? t("Lower hand") : t("Raise hand"));
    $("btn-hand").setAttribute("aria-pressed", String(state.hand));
    label("btn-share", state.screen ? t("Stop sharing") : t("Share screen"));
    $("btn-share").disabled = !state.screen && Boolean(state.sharer) && !(state.you && state.you.moderator);
    $("btn-share").setAttribute("aria-pressed", String(Boolean(state.screen)));
  }

  function setAudio(on, tell = true) {
    state.audioOn = on;
    if (state.local) state.local.getAudioTracks().forEach((tr) => { tr.enabled = on; });
    if (tell) send("media_state", { audio: state.audioOn, video: state.videoOn });
    renderButtons();
  }

  function setVideo(on, tell = true) {
    state.videoOn = on;
    if (state.local) state.local.getVideoTracks().forEach((tr) => { tr.enabled = on; });
    if (tell) send("media_state", { audio: state.audioOn, video: state.videoOn });
    renderButtons();
  }

  $("btn-mic").addEventListener("click", () => setAudio(!state.audioOn));
  $("btn-cam").addEventListener("click", () => setVideo(!state.videoOn));
  $("btn-hand").addEventListener("click", () => {
    state.hand = !state.hand;
    send("hand", { raised: state.hand });
    renderButtons();
  });
  $("btn-share").addEventListener("click", room.toggleShare);
  $("btn-leave").addEventListener("click", () => {
    state.closedForGood = true;
    send("leave");
    room.stopMedia();
    window.location.assign("/meetings/" + meetingId);
  });
  $("btn-mute-all").addEventListener("click", () => send("mute_all"));
  $("btn-end").addEventListener("click", () => {
    // In the page (confirm_dialog.js), never the browser's confirm().
    window.ecabinetConfirm(t("End the meeting for everyone?"), t("End meeting")).then((yes) => {
      if (yes) send("end_meeting");
    });
  });
  $("pick-camera").addEventListener("change", (e) => room.switchDevice("video", e.target.value));
  $("pick-mic").addEventListener("change", (e) => room.switchDevice("audio", e.target.value));
  $("page-prev").addEventListener("click", () => {
    state.page = Math.max(0, state.page - 1);
    send("thumbnail_page", { page: state.page });
  });
  $("page-next").addEventListener("click", () => {
    state.page += 1;
    send("thumbnail_page", { page: state.page });
  });

  Object.assign(room, { renderButtons, setAudio, setVideo, label });
})();
