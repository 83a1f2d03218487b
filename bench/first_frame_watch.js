// Installed before the room's scripts by bench/first_frame.py: frames on the main video
// (requestVideoFrameCallback) and the milestones of joining, in ms since navigation started.
window.__frames = [];
window.__marks = {};
const mark = (name) => { if (!(name in window.__marks)) window.__marks[name] = Math.round(performance.now()); };
const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = (c) => { mark("gum_start"); return gum(c).then((s) => { mark("gum_done"); return s; }); };
const NativeWS = window.WebSocket;
window.WebSocket = function (url, protocols) {
  mark("ws_new");
  const ws = new NativeWS(url, protocols);
  ws.addEventListener("open", () => mark("ws_open"));
  ws.addEventListener("message", (e) => { if (e.data.includes('"welcome"')) mark("welcome"); if (e.data.includes('"answer"')) mark("answer"); });
  return ws;
};
window.WebSocket.prototype = NativeWS.prototype;
Object.assign(window.WebSocket, { OPEN: 1, CLOSED: 3, CONNECTING: 0, CLOSING: 2 });
const NativePC = window.RTCPeerConnection;
window.RTCPeerConnection = function (config) {
  mark("pc_new");
  const pc = new NativePC(config);
  pc.addEventListener("icegatheringstatechange", () => { if (pc.iceGatheringState === "complete") mark("gathered"); });
  pc.addEventListener("connectionstatechange", () => { if (pc.connectionState === "connected") mark("connected"); });
  return pc;
};
window.RTCPeerConnection.prototype = NativePC.prototype;
document.addEventListener("DOMContentLoaded", () => {
  const video = document.getElementById("video-main");
  if (!video || !video.requestVideoFrameCallback) return;
  const seen = (now, meta) => {
    window.__frames.push({ at: performance.timeOrigin + now, since: now, width: meta.width });
    if (window.__frames.length > 2000) window.__frames.splice(0, 1000);
    video.requestVideoFrameCallback(seen);
  };
  video.requestVideoFrameCallback(seen);
});
