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
// Screen share, the connection-quality meter and the media watchdog live in room_media.js.
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
  const FINAL_CLOSES = new Set([4401, 4403, 4404, 4409, 4410]);
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

  // ------------------------------------------------------------------ devices

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
    const sender = publishingSender(kind);
    if (sender) await sender.replaceTrack(track);
    if (kind === "video") $("video-self").srcObject = state.local;
  }

  // ------------------------------------------------------------------ signaling

  function send(type, fields) {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) {
      state.ws.send(JSON.stringify(Object.assign({ v: 1, type }, fields || {})));
    }
  }

  async function fetchTicket() {
    const response = await fetch(joinUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" },
      body: "{}",
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : response.status);
    return body;
  }

  async function connect() {
    status(state.retry ? t("Reconnecting…") : t("Connecting…"));
    try {
      state.ticket = await fetchTicket();
    } catch (err) {
      notice(String(err.message || err));
      scheduleReconnect();
      return;
    }
    const ws = new WebSocket(state.ticket.ws_url);
    state.ws = ws;
    ws.onopen = () => send("auth", { token: state.ticket.token });
    ws.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (err) { return; }
      handle(message);
    };
    ws.onclose = (event) => {
      if (state.ws !== ws) return;
      if (FINAL_CLOSES.has(event.code) || state.closedForGood) {
        state.closedForGood = true;
        stopMedia();
        status("");
        return;
      }
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    if (state.closedForGood) return;
    state.retry += 1;
    status(t("Reconnecting…"));
    // Jitter: a whole meeting dropped at once must not come back in the same instant.
    let delay;
    if (state.retryAfter !== null) {
      delay = state.retryAfter * (0.5 + Math.random());
      state.retryAfter = null;
    } else {
      const ceiling = Math.min(10000, 250 * 2 ** Math.min(state.retry, 6));
      delay = ceiling / 2 + Math.random() * ceiling / 2;
    }
    setTimeout(connect, delay);
  }

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
        renderRoster();
        if (!state.lobby) startMedia();
        break;
      case "participant": {
        const e = m.participant;
        (e.lobby ? state.waiting : state.roster).set(e.participant, e);
        (e.lobby ? state.roster : state.waiting).delete(e.participant);
        renderRoster();
        renderSlots();
        break;
      }
      case "participant_left":
        state.roster.delete(m.participant);
        state.waiting.delete(m.participant);
        renderRoster();
        break;
      case "answer":
        applyAnswer(m);
        break;
      case "slots":
        state.slots = m.slots;
        state.sources = m.sources || {};
        renderSlots();
        break;
      case "screen":
        screenChanged(m.participant);
        break;
      case "screen_stopped":
        stopShare(false);
        notice(t("The chair stopped your screen share."));
        break;
      case "quality":
        applyQuality(m.quality);
        break;
      case "muted":
        setAudio(false, false);
        notice(t("The chair muted your microphone."));
        break;
      case "video_stopped":
        setVideo(false, false);
        notice(t("The chair stopped your camera."));
        break;
      case "hand_lowered":
        state.hand = false;
        renderButtons();
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
          stopShare(false);
          notice(m.code === "screen_busy" ? t("Someone else is sharing their screen.")
                                           : t("Cannot share the screen."));
        }
        break;
      default:
        break;
    }
  }

  // ------------------------------------------------------------------ media

  function publishingSender(kind) {
    // The first transceiver of each kind carries our microphone / camera.
    if (!state.pc) return null;
    const transceiver = state.pc.getTransceivers().find((tr) => tr.receiver.track.kind === kind);
    return transceiver ? transceiver.sender : null;
  }

  async function startMedia(force) {
    // Once per socket: after a reconnect the server has dropped our media, so offer again.
    if (state.pc && state.mediaWs === state.ws && !force) return;
    state.mediaWs = state.ws;
    if (!state.local) {
      state.local = await openDevices();
      $("video-self").srcObject = state.local;
      state.local.getAudioTracks().forEach((tr) => { tr.enabled = state.audioOn; });
      fillPickers();
    }
    const restart = Boolean(state.pc);
    if (state.pc) state.pc.close();
    const pc = new RTCPeerConnection({ iceServers: state.ticket.ice_servers });
    state.pc = pc;
    const mic = state.local.getAudioTracks()[0];
    const camera = state.local.getVideoTracks()[0];
    const screen = state.screen ? state.screen.getVideoTracks()[0] : null;
    pc.addTransceiver(mic || "audio", { direction: mic ? "sendrecv" : "recvonly" });
    pc.addTransceiver(camera || "video", { direction: camera ? "sendrecv" : "recvonly" });
    // The second video m-line: our screen share (idle until we share) + the "second" slot.
    pc.addTransceiver(screen || "video", { direction: "sendrecv" });
    const videoSlots = state.you && state.you.moderator ? THUMBNAILS : 0;
    for (let i = 0; i < videoSlots; i += 1) pc.addTransceiver("video", { direction: "recvonly" });
    for (let i = 1; i < AUDIO_SLOTS; i += 1) pc.addTransceiver("audio", { direction: "recvonly" });
    for (const transceiver of pc.getTransceivers()) preferCodec(transceiver);
    pc.ontrack = (event) => attachTrack(event.transceiver.mid, event.track);
    if (state.unwatch) state.unwatch();
    state.unwatch = media.watchConnection(pc, () => {
      if (pc !== state.pc) return;
      // The media path broke (network change): a new peer connection and offer, same socket.
      status(t("Reconnecting…"));
      startMedia(true);
    });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    if (pc !== state.pc) return;
    send("offer", { sdp: pc.localDescription.sdp, restart });
    startStats();
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
    ensureThumbTiles(m.slots.filter((s) => s.slot.startsWith("thumb")).map((s) => s.slot));
    await state.pc.setRemoteDescription({ type: "answer", sdp: m.sdp });
    state.retry = 0;
    status(t("Connected"));
    // A new offer replaced our media on the server, and a share with it: share again.
    if (state.screen) send("screen_share", { active: true });
    for (const transceiver of state.pc.getTransceivers()) {
      if (transceiver.receiver.track && state.midToSlot.has(transceiver.mid)) {
        attachTrack(transceiver.mid, transceiver.receiver.track);
      }
    }
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

  function stopMedia() {
    if (state.unwatch) state.unwatch();
    if (state.pc) state.pc.close();
    state.pc = null;
    if (state.stopStats) state.stopStats();
    for (const stream of [state.local, state.screen]) {
      if (stream) stream.getTracks().forEach((tr) => tr.stop());
    }
  }

  async function applyQuality(quality) {
    // Sources nobody watches at full size are asked for a thumbnail, or for nothing.
    const sender = publishingSender("video");
    if (!sender || !sender.track) return;
    const params = sender.getParameters();
    if (!params.encodings || !params.encodings.length) params.encodings = [{}];
    const encoding = params.encodings[0];
    encoding.active = quality !== "none";
    encoding.scaleResolutionDownBy = quality === "thumbnail" ? 4 : 1;
    encoding.maxBitrate = quality === "thumbnail" ? 150000 : 1500000;
    try { await sender.setParameters(params); } catch (err) { /* older browsers */ }
  }

  // ------------------------------------------------------------------ connection quality

  function startStats() {
    if (state.stopStats) state.stopStats();
    const midOf = (slot) => [...state.midToSlot].find(([, name]) => name === slot);
    const cameraMid = () => {
      const sender = publishingSender("video");
      const tr = state.pc && state.pc.getTransceivers().find((x) => x.sender === sender);
      return tr ? tr.mid : null;
    };
    state.stopStats = media.startQualityMeter(state.pc, () => ({
      main: (midOf("main") || [null])[0], camera: cameraMid(),
    }), (sample) => {
      state.quality = sample;
      $("quality").dataset.level = sample.level;
      $("quality-text").textContent = media.describeQuality(sample, t);
    });
  }

  // ------------------------------------------------------------------ rendering

  function nameOf(participant) {
    const entry = state.roster.get(participant);
    return entry ? entry.name : "";
  }

  function renderSlots() {
    for (const [slot, participant] of Object.entries(state.slots)) {
      const label = $("name-" + slot);
      if (!label) continue;
      const screen = state.sources[slot] === "screen" ? " · " + t("Shared screen") : "";
      label.textContent = participant ? nameOf(participant) + screen : "";
    }
  }

  function button(text, onClick, className) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    if (className) b.className = className;
    b.addEventListener("click", onClick);
    return b;
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
      [e.hand, t("hand raised"), "hand"],
      [!e.audio, t("muted"), "muted"],
      [!e.video, t("camera off"), "off"],
      [state.sharer === e.participant, t("sharing screen"), "screen"],
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
    renderSlots();
  }

  function renderButtons() {
    $("btn-mic").textContent = state.audioOn ? t("Mute") : t("Unmute");
    $("btn-mic").setAttribute("aria-pressed", String(state.audioOn));
    $("btn-cam").textContent = state.videoOn ? t("Stop camera") : t("Start camera");
    $("btn-cam").setAttribute("aria-pressed", String(state.videoOn));
    $("btn-hand").textContent = state.hand ? t("Lower hand") : t("Raise hand");
    $("btn-hand").setAttribute("aria-pressed", String(state.hand));
    $("btn-share").textContent = state.screen ? t("Stop sharing") : t("Share screen");
    $("btn-share").disabled = !state.screen && Boolean(state.sharer) && !(state.you && state.you.moderator);
    $("btn-share").setAttribute("aria-pressed", String(Boolean(state.screen)));
  }

  // ------------------------------------------------------------------ controls

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

  // Screen share: a second video source beside the camera (see room_media.js). One share at a
  // time per meeting: the server refuses a second sharer ("screen_busy") unless it is the chair
  // or the secretary, who take over.
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
    renderButtons();
  }

  async function stopShare(tell) {
    if (!state.screen) return;
    const stream = state.screen;
    state.screen = null;
    if (tell) send("screen_share", { active: false });
    const sender = media.screenSender(state.pc);
    if (sender) await sender.replaceTrack(null);
    stream.getTracks().forEach((tr) => tr.stop());
    renderButtons();
  }

  function screenChanged(participant) {
    const me = state.you && state.you.participant;
    state.sharer = participant;
    if (state.screen && participant && participant !== me) {
      stopShare(false);  // someone with the right took over
      notice(t("Another participant took over the screen share."));
    }
    renderRoster();
    renderButtons();
  }

  function toggleShare() {
    return state.screen ? stopShare(true) : startShare();
  }

  $("btn-mic").addEventListener("click", () => setAudio(!state.audioOn));
  $("btn-cam").addEventListener("click", () => setVideo(!state.videoOn));
  $("btn-hand").addEventListener("click", () => {
    state.hand = !state.hand;
    send("hand", { raised: state.hand });
    renderButtons();
  });
  $("btn-share").addEventListener("click", toggleShare);
  $("btn-leave").addEventListener("click", () => {
    state.closedForGood = true;
    send("leave");
    stopMedia();
    window.location.assign("/meetings/" + meetingId);
  });
  $("btn-mute-all").addEventListener("click", () => send("mute_all"));
  $("btn-end").addEventListener("click", () => {
    if (window.confirm(t("End the meeting for everyone?"))) send("end_meeting");
  });
  $("pick-camera").addEventListener("change", (e) => switchDevice("video", e.target.value));
  $("pick-mic").addEventListener("change", (e) => switchDevice("audio", e.target.value));
  $("page-prev").addEventListener("click", () => {
    state.page = Math.max(0, state.page - 1);
    send("thumbnail_page", { page: state.page });
  });
  $("page-next").addEventListener("click", () => {
    state.page += 1;
    send("thumbnail_page", { page: state.page });
  });
  // From the session panel (room_session.js): messages to send, and the speaker's own unmute.
  document.addEventListener("ecabinet:room-send", (e) => send(e.detail.type, e.detail.fields));
  document.addEventListener("ecabinet:unmute", () => setAudio(true));
  window.addEventListener("online", () => {
    if (state.ws && state.ws.readyState !== WebSocket.OPEN && !state.closedForGood) connect();
  });

  renderButtons();
  connect();
})();
