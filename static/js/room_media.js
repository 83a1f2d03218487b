// Media helpers of the browser meeting room (used by room_peer.js, room_quality.js and
// room_share.js; no framework, CSP-compatible).
//
// - Screen share is a second video source: the *second* video m-line of our offer publishes the
//   screen (and receives the "second" slot), negotiated at join with no track on it. Sharing puts
//   the screen track on that sender (replaceTrack: no renegotiation) and tells the server
//   ("screen_share"); the camera keeps going on the first video m-line. The screen track gets
//   contentHint "detail" so the encoder keeps text sharp rather than motion smooth; the codec
//   stays the meeting's one (the SFU forwards, it never transcodes).
// - Connection quality from getStats() every 2 s: round-trip time of the selected candidate
//   pair, packet loss over the last interval (what we receive, and what the server reports
//   about what we send), frames per second received in the main slot and sent by our camera.
// - Connection watchdog: ICE "failed", or "disconnected" for longer than DISCONNECTED_GRACE_MS,
//   means the media path is broken. aiortc (our SFU) has no ICE restart, so the page does not
//   call restartIce(): it builds a new RTCPeerConnection and sends a fresh offer ("restart":
//   true); the server drops the old peer connection and answers the new one, and the slots come
//   back from the room's state.
"use strict";

window.ecabinetMedia = (() => {
  const DISCONNECTED_GRACE_MS = 5000;
  const STATS_INTERVAL_MS = 2000;

  // ------------------------------------------------------------------ screen share

  async function openScreen() {
    const stream = await navigator.mediaDevices.getDisplayMedia({
      video: { frameRate: { ideal: 15, max: 30 } },
      audio: false,
    });
    const track = stream.getVideoTracks()[0];
    if (track && "contentHint" in track) track.contentHint = "detail";
    return stream;
  }

  function videoTransceivers(pc) {
    return pc.getTransceivers().filter((tr) => tr.receiver.track.kind === "video");
  }

  function screenSender(pc) {
    // The second video transceiver carries our screen share.
    const video = pc ? videoTransceivers(pc) : [];
    return video.length > 1 ? video[1].sender : null;
  }

  // ------------------------------------------------------------------ connection quality

  function assessQuality(sample) {
    const loss = Math.max(sample.lossIn || 0, sample.lossOut || 0);
    const rtt = sample.rtt;
    if (loss > 0.05 || (rtt !== null && rtt > 0.4)) return "poor";
    if (loss > 0.01 || (rtt !== null && rtt > 0.15)) return "fair";
    return "good";
  }

  function readStats(report, previous, mainMid, cameraMid) {
    let pairId = null;
    report.forEach((s) => {
      if (s.type === "transport" && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    let rtt = null; let lost = 0; let received = 0;
    let fpsIn = null; let fpsOut = null; let lossOut = null;
    report.forEach((s) => {
      if (s.type === "candidate-pair" && s.currentRoundTripTime !== undefined
          && (pairId ? s.id === pairId : s.nominated)) {
        rtt = s.currentRoundTripTime;
      }
      if (s.type === "inbound-rtp") {
        lost += s.packetsLost || 0;
        received += s.packetsReceived || 0;
        if (s.kind === "video" && s.mid === mainMid && s.framesPerSecond !== undefined) {
          fpsIn = s.framesPerSecond;
        }
      }
      if (s.type === "outbound-rtp" && s.kind === "video" && s.mid === cameraMid
          && s.framesPerSecond !== undefined) {
        fpsOut = s.framesPerSecond;
      }
      if (s.type === "remote-inbound-rtp" && s.kind === "video" && s.fractionLost !== undefined) {
        lossOut = Math.max(lossOut || 0, s.fractionLost);
      }
    });
    const dLost = Math.max(0, lost - previous.lost);
    const dReceived = Math.max(0, received - previous.received);
    const lossIn = dReceived + dLost > 0 ? dLost / (dReceived + dLost) : 0;
    const sample = { rtt, lossIn, lossOut, fpsIn, fpsOut, received: dReceived };
    sample.level = assessQuality(sample);
    return { sample, counters: { lost, received } };
  }

  function startQualityMeter(pc, mids, onSample) {
    // mids: () => ({ main, camera }) — the mids of our main slot and our camera.
    let previous = { lost: 0, received: 0 };
    let busy = false;
    const timer = setInterval(async () => {
      if (busy || pc.connectionState === "closed") return;
      busy = true;
      try {
        const current = mids();
        const result = readStats(await pc.getStats(), previous, current.main, current.camera);
        previous = result.counters;
        onSample(result.sample);
      } catch (err) {
        /* the connection closed under us: the next one gets its own meter */
      } finally {
        busy = false;
      }
    }, STATS_INTERVAL_MS);
    return () => clearInterval(timer);
  }

  function describeQuality(sample, t) {
    const parts = [t({ good: "Good", fair: "Fair", poor: "Poor" }[sample.level])];
    if (sample.rtt !== null) parts.push(Math.round(sample.rtt * 1000) + " ms");
    const loss = Math.max(sample.lossIn || 0, sample.lossOut || 0);
    parts.push(t("loss") + " " + (loss * 100).toFixed(loss < 0.1 ? 1 : 0) + "%");
    if (sample.fpsIn !== null) parts.push(Math.round(sample.fpsIn) + " fps");
    return parts.join(" · ");
  }

  // ------------------------------------------------------------------ connection watchdog

  function watchConnection(pc, onBroken, graceMs = DISCONNECTED_GRACE_MS) {
    // Calls onBroken() once: when ICE or DTLS failed, when the server closed DTLS (it dropped
    // our media), or after graceMs of "disconnected" (no answer to ICE consent checks).
    let badSince = null;
    let done = false;
    const dtlsState = () => {
      const tr = pc.getTransceivers().find((x) => x.sender.transport);
      return tr ? tr.sender.transport.state : null;
    };
    const check = () => {
      if (done || pc.connectionState === "closed") return;
      const dtls = dtlsState();
      const states = [pc.connectionState, pc.iceConnectionState, dtls];
      if (states.includes("failed") || dtls === "closed") {
        stop();
        onBroken();
      } else if (states.includes("disconnected")) {
        if (badSince === null) badSince = Date.now();
        if (Date.now() - badSince >= graceMs) {
          stop();
          onBroken();
        }
      } else {
        badSince = null;
      }
    };
    const timer = setInterval(check, 500);
    pc.addEventListener("connectionstatechange", check);
    pc.addEventListener("iceconnectionstatechange", check);
    function stop() {
      done = true;
      clearInterval(timer);
      pc.removeEventListener("connectionstatechange", check);
      pc.removeEventListener("iceconnectionstatechange", check);
    }
    return stop;
  }

  return {
    DISCONNECTED_GRACE_MS,
    openScreen,
    screenSender,
    assessQuality,
    startQualityMeter,
    describeQuality,
    watchConnection,
  };
})();
