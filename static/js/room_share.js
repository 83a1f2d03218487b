// The room's screen share: a second video source beside the camera (see room_media.js). One
// share at a time per meeting: the server refuses a second sharer ("screen_busy") unless it is
// the chair or the secretary, who take over; the screen's own "stop sharing" ends it too.
// Exposes on ecabinetRoomParts: stopShare, screenChanged, toggleShare.
"use strict";

(() => {
  const room = window.ecabinetRoomParts;
  if (!room) return;
  const { t, media, state, notice, send } = room;

  async function startShare() {
    let stream;
    try {
      stream = await media.openScreen();
    } catch (err) {
      return;  // the user cancelled the picker
    }
    state.screen = stream;
    const track = stream.getVideoTracks()[0];
    track.addEventListener("ended", () => { if (state.screen === stream) stopShare(true); });
    const sender = media.screenSender(state.pc);
    if (sender) await sender.replaceTrack(track);
    send("screen_share", { active: true });
    room.renderButtons();
  }

  async function stopShare(tell) {
    if (!state.screen) return;
    const stream = state.screen;
    state.screen = null;
    if (tell) send("screen_share", { active: false });
    const sender = media.screenSender(state.pc);
    if (sender) await sender.replaceTrack(null);
    stream.getTracks().forEach((tr) => tr.stop());
    room.renderButtons();
  }

  function screenChanged(participant) {
    const me = state.you && state.you.participant;
    state.sharer = participant;
    if (state.screen && participant && participant !== me) {
      stopShare(false);  // someone with the right took over
      notice(t("Another participant took over the screen share."));
    }
    room.renderRoster();
    room.renderButtons();
  }

  function toggleShare() {
    return state.screen ? stopShare(true) : startShare();
  }

  Object.assign(room, { stopShare, screenChanged, toggleShare });
})();
