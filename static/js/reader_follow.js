// The reader in a meeting: present a document without screen sharing, or follow who presents.
//
// The meeting room page (room_session.js) holds the room's socket; this reader talks to it over
// a BroadcastChannel of the same browser ("ecabinet-room-<meeting>"): it says hello, learns who
// it is and whether it may present (the chair, or whoever holds the floor), and gets every
// `presenting` message {presenter, name, document, page, zoom}. Following uses follow.js: the
// reader — which already holds the file, with this reader's private annotations over it — shows
// that page at that zoom; turning a page yourself pauses following ("Following paused — Follow
// the presenter"). Presenting sends one small message per page turn or zoom, never pixels.
//
// Without the room page (a reader opened alone, on a tablet say; the chair running the session
// from the console and the reader, no video) the reader works through the meeting's session
// socket (/ws/meetings/<id>/session) when no room answers its hello, reconnecting with a backoff:
// `you` {participant, may_present} says as whom it presents and whether it may (sent again when
// the floor or the current item changes that), `presenting` gives the current presentation and
// then every change, and it takes `present` / `stop_presenting` as the room's socket does (a
// refusal comes back as `error`). A presenter whose session socket dropped sends its current page
// again once it is back (the turns made meanwhile were lost with the socket; the server still
// holds the page from before), so followers never stay on a stale page. See docs/signaling.md,
// "The session socket".
import { Follower } from "./follow.js";

const root = document.getElementById("reader");
const bar = document.getElementById("follow-bar");
const meetingId = Number(root.dataset.meeting);
const documentId = Number(root.dataset.document);
const $ = (id) => document.getElementById(id);
const text = bar ? bar.dataset : {};

const follow = {
  you: null, mayPresent: false, presenting: false, roomSeen: false, feedSeen: false, follower: null,
  feedOpen: false, // the session socket is up (it reconnects with a backoff when it drops)
  resync: false, // reconnected: the next `presenting` is the server's, maybe older than our page
};
const ROOM_ANSWERS_WITHIN = 1500; // ms: then follow through the session socket instead
const FINAL_CLOSES = new Set([4401, 4403, 4404]);
window.__follow = follow;

function ready() {
  return new Promise((resolve) => {
    const check = () => (window.__reader && window.__reader.ready && window.__reader.state.pdfViewer.pagesCount
      ? resolve(window.__reader.state) : setTimeout(check, 100));
    check();
  });
}

async function main() {
  if (!meetingId || !bar || !("BroadcastChannel" in window)) return;
  const state = await ready();
  const viewer = state.pdfViewer;
  const channel = new BroadcastChannel(`ecabinet-room-${meetingId}`);
  const zoomNow = () => Math.min(800, Math.max(25, Math.round(viewer.currentScale * 100)));

  function show(doc, page, zoom) {
    if (doc !== documentId) {
      location.assign(`/documents/${doc}/read`);
      return;
    }
    const scale = zoom / 100;
    if (Math.abs(viewer.currentScale - scale) > 0.001) viewer.currentScale = scale;
    viewer.currentPageNumber = Math.min(Math.max(1, page), viewer.pagesCount);
  }

  let feed = null;
  function send(m) { // through the room page when it is open, else on the session socket
    if (follow.roomSeen) channel.postMessage(m);
    else if (feed && feed.readyState === WebSocket.OPEN) feed.send(JSON.stringify(m));
  }

  const follower = new Follower({ send, show, changed: render });
  follow.follower = follower;

  function render() {
    const p = follower.presentation;
    const others = p && p.presenter !== follow.you;
    bar.hidden = !((follow.roomSeen || follow.feedSeen) && (p || follow.mayPresent));
    let status = "";
    if (follow.presenting) status = text.presenting;
    else if (others && follower.following) status = `${text.following}: ${p.name}`;
    else if (others) status = text.paused;
    $("follow-status").textContent = status;
    $("follow-again").hidden = !(others && !follower.following);
    $("present-start").hidden = follow.presenting || !follow.mayPresent;
    $("present-stop").hidden = !follow.presenting;
  }

  function presenting(p) {
    const resync = follow.resync;
    follow.resync = false;
    if (p.document !== null && p.presenter === follow.you) {
      follower.presentation = p; // our own page turn coming back: nothing to follow
      // After the session socket came back, the server holds the page we had before it dropped;
      // the turns made meanwhile were lost with it: send where we are now, so followers move on.
      if (resync && follow.presenting && (p.document !== documentId || p.page !== viewer.currentPageNumber || p.zoom !== zoomNow())) {
        follower.present(documentId, viewer.currentPageNumber, zoomNow());
      }
    } else {
      if (follow.presenting && p.document !== null) follow.presenting = false; // someone else took over
      follower.receive(p);
    }
    if (p.document === null) follow.presenting = false;
  }

  let feedRetry = 0;
  function listenToFeed() {
    if (follow.roomSeen) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    feed = new WebSocket(`${scheme}://${location.host}/ws/meetings/${meetingId}/session`);
    feed.addEventListener("message", (event) => {
      let m;
      try { m = JSON.parse(event.data); } catch { return; }
      if (follow.roomSeen) return;
      // The reader's vote dialog (reader_vote.js) follows the session on this same socket.
      if (m.type === "hello" || m.type === "session") {
        document.dispatchEvent(new CustomEvent("ecabinet:session-feed", { detail: m }));
      }
      if (m.type === "hello") {
        follow.resync = follow.feedSeen; // a reconnection, not the first hello
        follow.feedSeen = true;
        feedRetry = 0;
      }
      if (m.type === "you") mayPresent(m.participant, m.may_present);
      if (m.type === "presenting") presenting(m);
      if (m.type === "error" && (m.ref === "present" || m.ref === "stop_presenting")) {
        refused();
        return;
      }
      render();
    });
    feed.addEventListener("open", () => { follow.feedOpen = true; });
    feed.addEventListener("close", (event) => {
      feed = null;
      follow.feedOpen = false;
      if (follow.roomSeen || FINAL_CLOSES.has(event.code)) return;
      feedRetry = Math.min(feedRetry + 1, 6);
      setTimeout(listenToFeed, (2 ** feedRetry) * 250 * (0.5 + Math.random()));
    });
  }

  function mayPresent(you, may) {
    follow.you = you;
    follow.mayPresent = Boolean(may);
    if (!follow.mayPresent && follow.presenting) follow.presenting = false;
  }

  function refused() {
    follow.presenting = false;
    render();
    $("follow-status").textContent = text.refused;
  }

  channel.addEventListener("message", (event) => {
    const m = event.data || {};
    if (m.type === "room") {
      follow.roomSeen = true;
      if (feed) feed.close(1000); // the room page carries everything now
      mayPresent(m.you, m.may_present);
    } else if (m.type === "presenting") {
      presenting(m.message);
    } else if (m.type === "error") {
      refused();
      return;
    }
    render();
  });

  let pending = null;
  function announce() {
    if (!follow.presenting) return;
    clearTimeout(pending); // a burst of scroll events: one message
    pending = setTimeout(() => follower.present(documentId, viewer.currentPageNumber, zoomNow()), 120);
  }

  state.eventBus.on("pagechanging", (e) => {
    const p = follower.presentation;
    if (follow.presenting) announce();
    else if (p && p.presenter !== follow.you && follower.following && p.document === documentId && e.pageNumber !== p.page) {
      follower.browseAway();
    }
  });
  state.eventBus.on("scalechanging", () => announce());

  $("present-start").addEventListener("click", () => {
    follow.presenting = true;
    follower.present(documentId, viewer.currentPageNumber, zoomNow());
    render();
  });
  $("present-stop").addEventListener("click", () => {
    follow.presenting = false;
    follower.stopPresenting();
    render();
  });
  $("follow-again").addEventListener("click", () => follower.followPresenter());

  window.addEventListener("pagehide", () => { // the presenter closed the reader: stop
    if (follow.presenting) follower.stopPresenting();
  });
  channel.postMessage({ type: "hello" });
  setTimeout(listenToFeed, ROOM_ANSWERS_WITHIN);
  render();
}

main();
