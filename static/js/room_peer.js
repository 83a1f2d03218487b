// The room's peer connection: one RTCPeerConnection with fixed m-lines (first audio + first
// video publish our microphone and camera; the second video m-line our screen share and the
// "second" slot; the others receive the slots the server fills: main, second, audio…, and on the
// chair's console a grid of thumbnails), offered with the meeting's codec only, answered by the
// SFU. Once per socket; when the media path breaks (room_media.js watchdog) a fresh offer
// ("restart": aiortc has no ICE restart, so the server rebuilds the peer connection).
// To cut the time to the first remote frame (bench/first_frame.py), the camera is opened as the
// page loads and the first peer connection is built, and its ICE candidates gathered, while the
// socket authenticates (prepareMedia, from the ticket): the offer goes out on the snapshot.
// Exposes on ecabinetRoomParts: publishingSender, openLocal, prepareMedia, startMedia,
// applyAnswer, stopMedia.
"use strict";

(() => {
  const room = window.ecabinetRoomParts;
  if (!room) return;
  const { t, $, AUDIO_SLOTS, THUMBNAILS, media, state, status, send } = room;

  function publishingSender(kind) {
    // The first transceiver of each kind carries our microphone / camera.
    if (!state.pc) return null;
    const transceiver = state.pc.getTransceivers().find((tr) => tr.receiver.track.kind === kind);
    return transceiver ? transceiver.sender : null;
  }

  let devices = null;  // the promise of the camera and microphone (opened once)
  let prepared = null;  // {pc, ready, moderator}: a first peer connection built ahead of time

  function openLocal() {
    if (!devices) {
      devices = room.openDevices().then((stream) => {
        state.local = stream;
        $("video-self").srcObject = stream;
        stream.getAudioTracks().forEach((tr) => { tr.enabled = state.audioOn; });
        room.fillPickers();
        return stream;
      });
    }
    return devices;
  }

  function prepareMedia(ticket) {
    // From the ticket, before the socket's welcome: devices, transceivers, offer, candidates.
    if (prepared || state.pc || ticket.lobby) return;
    const moderator = Boolean(ticket.moderator);
    const entry = { pc: null, moderator, ready: null };
    prepared = entry;
    entry.ready = openLocal().then(async () => {
      entry.pc = buildPeer(ticket.ice_servers, moderator);
      await entry.pc.setLocalDescription(await entry.pc.createOffer());
      await gathered(entry.pc);
    }).catch(() => { entry.pc = null; });
  }

  function buildPeer(iceServers, moderator) {
    const pc = new RTCPeerConnection({ iceServers });
    const mic = state.local.getAudioTracks()[0];
    const camera = state.local.getVideoTracks()[0];
    const screen = state.screen ? state.screen.getVideoTracks()[0] : null;
    pc.addTransceiver(mic || "audio", { direction: mic ? "sendrecv" : "recvonly" });
    pc.addTransceiver(camera || "video", { direction: camera ? "sendrecv" : "recvonly" });
    // The second video m-line: our screen share (idle until we share) + the "second" slot.
    pc.addTransceiver(screen || "video", { direction: "sendrecv" });
    const videoSlots = moderator ? THUMBNAILS : 0;
    for (let i = 0; i < videoSlots; i += 1) pc.addTransceiver("video", { direction: "recvonly" });
    for (let i = 1; i < AUDIO_SLOTS; i += 1) pc.addTransceiver("audio", { direction: "recvonly" });
    for (const transceiver of pc.getTransceivers()) preferCodec(transceiver);
    pc.ontrack = (event) => room.attachTrack(event.transceiver.mid, event.track);
    return pc;
  }

  async function startMedia(force) {
    // Once per socket: after a reconnect the server has dropped our media, so offer again.
    if (state.pc && state.mediaWs === state.ws && !force) return;
    state.mediaWs = state.ws;
    await openLocal();
    const restart = Boolean(state.pc);
    if (state.pc) state.pc.close();
    const moderator = Boolean(state.you && state.you.moderator);
    let pc = null;
    const ahead = prepared;
    prepared = null;
    if (ahead && !restart) {
      await ahead.ready;
      // Built for the layout the ticket announced: use it if the welcome agrees.
      const usable = ahead.pc && ahead.moderator === moderator
        && ahead.pc.signalingState === "have-local-offer";
      if (usable) {
        pc = ahead.pc;
      } else if (ahead.pc) {
        ahead.pc.close();
      }
    }
    const fresh = !pc;
    if (fresh) pc = buildPeer(state.ticket.ice_servers, moderator);
    state.pc = pc;
    if (state.unwatch) state.unwatch();
    state.unwatch = media.watchConnection(pc, () => {
      if (pc !== state.pc) return;
      // The media path broke (network change): a new peer connection and offer, same socket.
      status(t("Reconnecting…"));
      startMedia(true);
    });
    if (fresh) {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
    }
    if (pc !== state.pc) return;
    send("offer", { sdp: pc.localDescription.sdp, restart });
    room.startStats();
    send("media_state", { audio: state.audioOn, video: state.videoOn });
  }

  function preferCodec(transceiver) {
    // Offer only the meeting's codec (the SFU forwards, it never transcodes): a smaller offer.
    if (!transceiver.setCodecPreferences || !window.RTCRtpReceiver.getCapabilities) return;
    const kind = transceiver.receiver.track.kind;
    const codecs = RTCRtpReceiver.getCapabilities(kind).codecs;
    const wanted = kind === "audio"
      ? codecs.filter((c) => c.mimeType.toLowerCase() === "audio/opus")
      : codecs.filter((c) => (state.ticket.codec === "vp8"
        ? c.mimeType.toLowerCase() === "video/vp8"
        : c.mimeType.toLowerCase() === "video/h264"
          && /packetization-mode=1/.test(c.sdpFmtpLine || "")
          && /profile-level-id=42e01f/.test(c.sdpFmtpLine || "")));
    if (wanted.length) {
      try { transceiver.setCodecPreferences(wanted); } catch (err) { /* keep the defaults */ }
    }
  }

  function gathered(pc) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { if (pc.iceGatheringState === "complete") resolve(); };
      pc.addEventListener("icegatheringstatechange", done);
      setTimeout(resolve, 3000);  // enough candidates by now: send what we have
    });
  }

  async function applyAnswer(m) {
    if (!state.pc || state.pc.signalingState !== "have-local-offer") return;
    state.midToSlot = new Map(m.slots.map((s) => [s.mid, s.slot]));
    room.ensureThumbTiles(m.slots.filter((s) => s.slot.startsWith("thumb")).map((s) => s.slot));
    await state.pc.setRemoteDescription({ type: "answer", sdp: m.sdp });
    state.retry = 0;
    status(t("Connected"));
    // A new offer replaced our media on the server, and a share with it: share again.
    if (state.screen) send("screen_share", { active: true });
    for (const transceiver of state.pc.getTransceivers()) {
      if (transceiver.receiver.track && state.midToSlot.has(transceiver.mid)) {
        room.attachTrack(transceiver.mid, transceiver.receiver.track);
      }
    }
  }

  function stopMedia() {
    if (prepared && prepared.pc) prepared.pc.close();
    prepared = null;
    if (state.unwatch) state.unwatch();
    if (state.pc) state.pc.close();
    state.pc = null;
    if (state.stopStats) state.stopStats();
    for (const stream of [state.local, state.screen]) {
      if (stream) stream.getTracks().forEach((tr) => tr.stop());
    }
  }

  Object.assign(room, {
    publishingSender, openLocal, prepareMedia, startMedia, applyAnswer, stopMedia,
  });
})();
