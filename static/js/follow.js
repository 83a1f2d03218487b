// Following the presenter's document (no screen sharing): a few bytes per page turn.
//
// The room's socket delivers {"type": "presenting", presenter, name, document, page, zoom}.
// A follower's viewer — which already holds the document, with the reader's private annotations
// over it — shows that page at that zoom. Turning a page yourself ("browse away") stops
// following; followPresenter() jumps back to where the presenter is and follows again.
// The presenter (the chair, or whoever holds the floor) calls present(document, page, zoom).
//
//   import { Follower } from "/static/js/follow.js";
//   const follower = new Follower({ send: (m) => socket.send(JSON.stringify(m)),
//                                   show: (doc, page, zoom) => viewer.open(doc, page, zoom),
//                                   changed: (state) => render(state) });
//   socket.onmessage = (e) => follower.receive(JSON.parse(e.data));
//   viewer.onUserPageTurn = () => follower.browseAway();
//   followButton.onclick = () => follower.followPresenter();

export class Follower {
  constructor({ send, show, changed = () => {} }) {
    this.send = send;
    this.show = show;
    this.changed = changed;
    this.following = true;
    this.presentation = null; // the presenter's latest {presenter, name, document, page, zoom}
  }

  receive(message) {
    if (message.type !== "presenting") return false;
    this.presentation = message.document === null ? null : message;
    if (this.presentation && this.following) this.show(message.document, message.page, message.zoom);
    this.changed(this.state());
    return true;
  }

  browseAway() {
    if (!this.following) return;
    this.following = false;
    this.changed(this.state());
  }

  followPresenter() {
    this.following = true;
    const p = this.presentation;
    if (p) this.show(p.document, p.page, p.zoom);
    this.changed(this.state());
  }

  present(document, page, zoom = 100) {
    this.send({ v: 1, type: "present", document, page, zoom: Math.round(zoom) });
  }

  stopPresenting() {
    this.send({ v: 1, type: "stop_presenting" });
  }

  state() {
    return { following: this.following, presentation: this.presentation };
  }
}
