// The room's camera and microphone: opening them (a notice if the browser refuses), the camera
// and microphone pickers, and switching device mid-meeting without renegotiation (replaceTrack).
// Exposes on ecabinetRoomParts: openDevices, fillPickers, switchDevice.
"use strict";

(() => {
  const room = window.ecabinetRoomParts;
  if (!room) return;
  const { t, $, state, notice } = room;

  async function openDevices(cameraId, micId) {
    const constraints = {
      video: cameraId ? { deviceId: { exact: cameraId } } : { width: 1280, height: 720 },
      audio: micId ? { deviceId: { exact: micId } } : true,
    };
    try {
      return await navigator.mediaDevices.getUserMedia(constraints);
    } catch (err) {
      notice(t("Cannot use the camera or microphone.") + " (" + err.name + ")");
      return new MediaStream();
    }
  }

  async function fillPickers() {
    const devices = await navigator.mediaDevices.enumerateDevices();
    for (const [id, kind] of [["pick-camera", "videoinput"], ["pick-mic", "audioinput"]]) {
      const select = $(id);
      const current = state.local && state.local.getTracks().find(
        (tr) => (kind === "videoinput" ? tr.kind === "video" : tr.kind === "audio"));
      const currentId = current ? current.getSettings().deviceId : "";
      select.replaceChildren();
      for (const device of devices.filter((d) => d.kind === kind)) {
        const option = document.createElement("option");
        option.value = device.deviceId;
        option.textContent = device.label || device.deviceId.slice(0, 8);
        option.selected = device.deviceId === currentId;
        select.append(option);
      }
    }
  }

  async function switchDevice(kind, deviceId) {
    const stream = await navigator.mediaDevices.getUserMedia(
      kind === "video" ? { video: { deviceId: { exact: deviceId } } }
                       : { audio: { deviceId: { exact: deviceId } } });
    const track = stream.getTracks()[0];
    const old = state.local.getTracks().find((tr) => tr.kind === kind);
    if (old) { state.local.removeTrack(old); old.stop(); }
    state.local.addTrack(track);
    track.enabled = kind === "video" ? state.videoOn : state.audioOn;
    const sender = room.publishingSender(kind);
    if (sender) await sender.replaceTrack(track);
    if (kind === "video") $("video-self").srcObject = state.local;
  }

  Object.assign(room, { openDevices, fillPickers, switchDevice });
})();
