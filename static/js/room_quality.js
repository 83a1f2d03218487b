// The room's connection quality: the meter under the title (room_media.js samples getStats()
// every 2 s; here the sample is kept in state.quality and shown), and the quality the server asks
// of our camera ("quality": full, thumbnail or none — sources nobody watches at full size).
// Exposes on ecabinetRoomParts: applyQuality, startStats.
"use strict";

(() => {
  const room = window.ecabinetRoomParts;
  if (!room) return;
  const { t, $, media, state } = room;

  async function applyQuality(quality) {
    // Sources nobody watches at full size are asked for a thumbnail, or for nothing.
    const sender = room.publishingSender("video");
    if (!sender || !sender.track) return;
    const params = sender.getParameters();
    if (!params.encodings || !params.encodings.length) params.encodings = [{}];
    const encoding = params.encodings[0];
    encoding.active = quality !== "none";
    encoding.scaleResolutionDownBy = quality === "thumbnail" ? 4 : 1;
    encoding.maxBitrate = quality === "thumbnail" ? 150000 : 1500000;
    try { await sender.setParameters(params); } catch (err) { /* older browsers */ }
  }

  function startStats() {
    if (state.stopStats) state.stopStats();
    const midOf = (slot) => [...state.midToSlot].find(([, name]) => name === slot);
    const cameraMid = () => {
      const sender = room.publishingSender("video");
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

  Object.assign(room, { applyQuality, startStats });
})();
