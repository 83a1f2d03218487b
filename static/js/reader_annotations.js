// The user's annotations: the list in the side panel (current version and earlier versions),
// editing, sharing and deleting them through the API, and keeping the page layer in step.
// Exposes: upsert, forget, focusItem, loadAnnotations.
"use strict";

import { api, DATA, documentId, el, guarded, state, T, $ } from "./reader_context.js";
import { decoratePage } from "./reader_layer.js";
import { goTo } from "./reader_viewer.js";

export function upsert(a) {
  state.annotations.set(a.id, a);
  decoratePage(a.page);
  renderList();
}

export function forget(id) {
  const a = state.annotations.get(id);
  state.annotations.delete(id);
  if (a) decoratePage(a.page);
  renderList();
}

export function focusItem(id) {
  document.querySelectorAll(".annotation-list li").forEach((li) => li.classList.toggle("active", Number(li.dataset.id) === id));
  const li = document.querySelector(`.annotation-list li[data-id="${id}"]`);
  if (li) li.scrollIntoView({ block: "nearest" });
}

function itemOf(a) {
  const li = el("li");
  li.dataset.id = a.id;
  li.dataset.kind = a.kind;
  li.dataset.visibility = a.visibility;
  li.style.setProperty("--swatch", a.color);
  const meta = `${T[a.kind]} · ${T.page} ${a.page}` + (a.mine ? "" : ` · ${T.by} ${a.author_name}`) +
    (a.earlier_version ? ` · ${T.version} ${a.version}` : "");
  li.append(el("div", { className: "meta", textContent: meta }));
  if (a.quote) li.append(el("q", { textContent: a.quote }));
  if (a.body) li.append(el("p", { className: "body", textContent: a.body }));
  li.addEventListener("click", (e) => {
    if (e.target.closest("button, select, input, label, textarea")) return;
    if (!a.earlier_version) goTo(a.page);
    focusItem(a.id);
  });
  if (!a.mine) {
    li.append(el("div", { className: "meta", textContent: T[a.visibility] }));
    return li;
  }
  const controls = el("div", { className: "controls" });
  const select = el("select", { className: "js-visibility" });
  select.setAttribute("aria-label", T.private);
  for (const v of ["private", "meeting", "participants"]) {
    const option = el("option", { value: v, textContent: T[v] });
    if (v === "participants" && !DATA.share_targets.length) option.disabled = true;
    select.append(option);
  }
  select.value = a.visibility;
  const targets = el("div", { className: "share-with" });
  targets.hidden = a.visibility !== "participants";
  for (const t of DATA.share_targets) {
    const box = el("input", { type: "checkbox", value: String(t.id), checked: a.share_with.includes(t.id) });
    targets.append(el("label", {}, box, ` ${t.name}`));
  }
  const share = guarded(async () => {
    const visibility = select.value;
    const chosen = [...targets.querySelectorAll("input:checked")].map((b) => Number(b.value));
    targets.hidden = visibility !== "participants";
    if (visibility === "participants" && !chosen.length) return; // wait for a choice
    const body = visibility === "participants" ? { visibility, share_with: chosen } : { visibility };
    upsert(await api("PATCH", `/api/annotations/${a.id}`, body));
  });
  select.addEventListener("change", share);
  targets.addEventListener("change", share);
  const edit = el("button", { type: "button", className: "small js-edit", textContent: T.edit });
  edit.addEventListener("click", guarded(async () => {
    const area = el("textarea", { value: a.body, rows: 3 });
    const save = el("button", { type: "button", className: "small", textContent: T.save });
    save.addEventListener("click", guarded(async () => {
      upsert(await api("PATCH", `/api/annotations/${a.id}`, { body: area.value }));
    }));
    li.append(area, save);
    area.focus();
  }));
  const remove = el("button", { type: "button", className: "small js-delete", textContent: T.delete });
  remove.addEventListener("click", guarded(async () => {
    await api("DELETE", `/api/annotations/${a.id}`);
    forget(a.id);
  }));
  controls.append(select, edit, remove);
  li.append(controls, targets);
  return li;
}

function renderList() {
  const all = [...state.annotations.values()].sort((x, y) => x.page - y.page || x.id - y.id);
  const current = all.filter((a) => !a.earlier_version);
  const earlier = all.filter((a) => a.earlier_version);
  $("annotations").replaceChildren(...current.map(itemOf));
  $("earlier").replaceChildren(...earlier.map(itemOf));
  $("annotations-empty").hidden = all.length > 0;
  $("earlier-heading").hidden = !earlier.length;
}

export async function loadAnnotations() {
  const list = await api("GET", `/api/documents/${documentId}/annotations`);
  state.annotations = new Map(list.map((a) => [a.id, a]));
  redrawAll();
}

function redrawAll() {
  document.querySelectorAll("#viewer .page").forEach((div) => decoratePage(Number(div.dataset.pageNumber)));
  renderList();
}
