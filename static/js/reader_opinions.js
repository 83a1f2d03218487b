// The opinions on a meeting's document, under the reader: the list with replies, a reply box
// under each opinion, and the form to send a new one.
// Exposes: loadOpinions, sendOpinion.
"use strict";

import { api, cfg, documentId, el, guarded, meetingId, T, $ } from "./reader_context.js";

const timeFormat = new Intl.DateTimeFormat(document.documentElement.lang === "vi" ? "vi-VN" : "en-GB", {
  dateStyle: "short", timeStyle: "short", timeZone: cfg.zone || undefined,
});
const when = (iso) => timeFormat.format(new Date(iso));
export async function loadOpinions() {
  const list = await api("GET", `/api/meetings/${meetingId}/opinions?document_id=${documentId}`);
  $("opinions").replaceChildren(...list.map((o) => {
    const li = el("li", { className: o.parent_id ? "reply" : "" });
    li.dataset.id = o.id;
    li.append(el("div", { className: "meta", textContent: `${o.author_name} — ${o.organization} · ${when(o.created_at)}` }));
    li.append(el("p", { textContent: o.deleted ? `(${T.deleted})` : o.body }));
    if (!o.deleted && !o.parent_id) {
      const reply = el("button", { type: "button", className: "small", textContent: T.reply });
      reply.addEventListener("click", () => {
        const area = el("textarea", { rows: 2 });
        const send = el("button", { type: "button", className: "small", textContent: T.save });
        send.addEventListener("click", guarded(async () => {
          await api("POST", `/api/meetings/${meetingId}/opinions`, { parent_id: o.id, body: area.value.trim() });
          await loadOpinions();
        }));
        li.append(area, send);
        area.focus();
      }, { once: true });
      li.append(reply);
    }
    return li;
  }));
}

export async function sendOpinion(e) {
  e.preventDefault();
  const body = $("opinion-text").value.trim();
  if (!body) return;
  await api("POST", `/api/meetings/${meetingId}/opinions`, { document_id: documentId, body });
  $("opinion-text").value = "";
  await loadOpinions();
}
