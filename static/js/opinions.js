// The meeting's opinions page: threads per agenda item and per document, new opinions and
// replies, deleting one's own. No inline scripts (CSP); writes send the CSRF header.
import { api, el } from "./http.js";

(function () {
  const root = document.getElementById("opinions-page");
  if (!root) return;
  const meetingId = root.dataset.meeting;
  const T = JSON.parse(document.getElementById("opinions-text").textContent);
  const errorBox = document.getElementById("page-error");
  const timeFormat = new Intl.DateTimeFormat(document.documentElement.lang === "vi" ? "vi-VN" : "en-GB", {
    dateStyle: "short", timeStyle: "short", timeZone: root.dataset.zone || undefined,
  });

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function item(o) {
    const li = el("li", { className: o.parent_id ? "reply" : "" });
    li.dataset.id = o.id;
    li.append(el("div", { className: "meta", textContent: `${o.author_name} — ${o.organization} · ${timeFormat.format(new Date(o.created_at))}` }));
    li.append(el("p", { textContent: o.deleted ? `(${T.deleted})` : o.body }));
    const controls = el("div", { className: "actions" });
    if (!o.deleted && !o.parent_id) {
      const reply = el("button", { type: "button", className: "small js-reply", textContent: T.reply });
      reply.addEventListener("click", () => {
        const area = el("textarea", { rows: 2 });
        const send = el("button", { type: "button", className: "small", textContent: T.send });
        send.addEventListener("click", () => {
          api("POST", `/api/meetings/${meetingId}/opinions`, { parent_id: o.id, body: area.value.trim() })
            .then(load).catch((err) => showError(err.message));
        });
        li.append(area, send);
        area.focus();
      }, { once: true });
      controls.append(reply);
    }
    if (o.mine && !o.deleted) {
      const remove = el("button", { type: "button", className: "small", textContent: T.delete });
      remove.addEventListener("click", () => {
        api("DELETE", `/api/opinions/${o.id}`).then(load).catch((err) => showError(err.message));
      });
      controls.append(remove);
    }
    li.append(controls);
    return li;
  }

  function threaded(list) {
    const roots = list.filter((o) => !o.parent_id);
    const out = [];
    for (const r of roots) {
      out.push(r);
      out.push(...list.filter((o) => o.parent_id === r.id));
    }
    return out;
  }

  async function load() {
    const all = await api("GET", `/api/meetings/${meetingId}/opinions`);
    root.querySelectorAll(".opinion-subject").forEach((section) => {
      const mine = all.filter((o) => section.dataset.item
        ? o.agenda_item_id === Number(section.dataset.item)
        : o.document_id === Number(section.dataset.document));
      const ul = section.querySelector(".opinion-list");
      ul.replaceChildren(...(mine.length ? threaded(mine).map(item) : [el("li", { className: "empty", textContent: T.none })]));
    });
  }

  root.querySelectorAll("form.js-opinion").forEach((form) => {
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const area = form.querySelector("textarea");
      const body = { body: area.value.trim() };
      if (form.dataset.item) body.agenda_item_id = Number(form.dataset.item);
      else body.document_id = Number(form.dataset.document);
      api("POST", `/api/meetings/${meetingId}/opinions`, body)
        .then(() => { area.value = ""; return load(); })
        .catch((err) => showError(err.message));
    });
  });
  load().catch((err) => showError(err.message));
})();
