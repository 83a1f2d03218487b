// Live updates of the reader over /ws/documents/{id}: annotations made or removed elsewhere,
// and a banner when a new version of the document is published; reconnects with a backoff.
// Exposes: connect.
"use strict";

import { documentId, el, showError, T, $ } from "./reader_context.js";
import { forget, loadAnnotations, upsert } from "./reader_annotations.js";

export function connect(attempt = 0) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws/documents/${documentId}`);
  ws.addEventListener("message", (event) => {
    const msg = JSON.parse(event.data);
    if (msg.type === "hello") {
      window.__reader.live = true;
      attempt = 0;
      $("reader-banner").hidden = true;
      loadAnnotations().catch((err) => showError(err.message));
    } else if (msg.type === "annotation") {
      upsert(msg.annotation);
    } else if (msg.type === "annotation_removed") {
      forget(msg.id);
    } else if (msg.type === "document_changed") {
      const banner = $("reader-banner");
      const reload = el("button", { type: "button", className: "small", textContent: T.reload });
      reload.addEventListener("click", () => location.reload());
      banner.replaceChildren(T.new_version + " ", reload);
      banner.hidden = false;
    }
  });
  ws.addEventListener("close", (event) => {
    window.__reader.live = false;
    if (event.code === 4404 || event.code === 1008) return;
    const banner = $("reader-banner");
    banner.textContent = T.live_lost;
    banner.hidden = attempt < 1;
    setTimeout(() => connect(attempt + 1), Math.min(30000, 1000 * 2 ** attempt));
  });
}
