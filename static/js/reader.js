// The document reader: pdf.js (vendored, legacy build) with thumbnails, search, zoom, keyboard
// and touch navigation, the user's annotations on a layer of their own, live updates over
// /ws/documents/{id}, and the document's opinions. No inline scripts (CSP); every write sends
// the CSRF token from <meta name="csrf-token">. Coordinates are fractions of the page (0..1,
// top-left origin), so zooming never moves a mark.
"use strict";

const root = document.getElementById("reader");
const cfg = root.dataset;
const DATA = JSON.parse(document.getElementById("reader-data").textContent);
const T = DATA.text;
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const documentId = Number(cfg.document);
const version = Number(cfg.version);
const meetingId = Number(cfg.meeting);
const $ = (id) => document.getElementById(id);

const state = {
  annotations: new Map(), // id → annotation (API shape)
  tool: "select",
  pendingNote: null, // {page, point}
  ink: new Map(), // page → [[x, y], ...][] strokes not yet saved
  pdfViewer: null,
  eventBus: null,
};
window.__reader = { state, ready: false, live: false };

function showError(message) {
  const box = $("page-error");
  box.textContent = message;
  box.hidden = false;
  setTimeout(() => { box.hidden = true; }, 8000);
}

async function api(method, url, body) {
  const options = { method, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const resp = await fetch(url, options);
  const data = resp.status === 204 ? null : await resp.json().catch(() => null);
  if (!resp.ok) throw new Error((data && data.error && data.error.message) || resp.statusText);
  return data;
}

const guarded = (fn) => (event) => Promise.resolve(fn(event)).catch((err) => showError(err.message));

// ------------------------------------------------------------------ pdf.js
async function loadPdfJs() {
  const pdfjsLib = await import(cfg.pdfjs);
  globalThis.pdfjsLib = pdfjsLib; // the viewer components read it from there
  const viewer = await import(cfg.pdfjsViewer);
  pdfjsLib.GlobalWorkerOptions.workerSrc = cfg.worker;
  return { pdfjsLib, viewer };
}

async function openDocument() {
  const { pdfjsLib, viewer: pdfjsViewer } = await loadPdfJs();
  const container = $("viewer-container");
  const eventBus = new pdfjsViewer.EventBus();
  const linkService = new pdfjsViewer.PDFLinkService({ eventBus });
  const findController = new pdfjsViewer.PDFFindController({ eventBus, linkService });
  const pdfViewer = new pdfjsViewer.PDFViewer({
    container,
    viewer: $("viewer"),
    eventBus,
    linkService,
    findController,
    textLayerMode: 1,
    annotationMode: pdfjsLib.AnnotationMode.ENABLE,
    removePageBorders: false,
  });
  linkService.setViewer(pdfViewer);
  state.pdfViewer = pdfViewer;
  state.eventBus = eventBus;

  const start = await api("GET", `/api/documents/${documentId}/reading`).catch(() => null);
  eventBus.on("pagesinit", () => {
    pdfViewer.currentScaleValue = "page-width";
    if (start && start.version === version && start.page > 1) pdfViewer.currentPageNumber = start.page;
  });
  eventBus.on("pagerendered", (e) => decoratePage(e.pageNumber));
  eventBus.on("textlayerrendered", (e) => decoratePage(e.pageNumber));
  eventBus.on("pagechanging", (e) => onPageChange(e.pageNumber));
  eventBus.on("updatefindmatchescount", (e) => showMatches(e.matchesCount));
  eventBus.on("updatefindcontrolstate", (e) => {
    if (e.state === 1) $("search-status").textContent = T.not_found; // FindState.NOT_FOUND
    else showMatches(e.matchesCount);
  });

  const pdf = await pdfjsLib.getDocument({
    url: cfg.content,
    withCredentials: true,
    cMapUrl: cfg.cmaps,
    cMapPacked: true,
    standardFontDataUrl: cfg.fonts,
    wasmUrl: cfg.wasm,
    isEvalSupported: false,
    enableXfa: false,
  }).promise;
  pdfViewer.setDocument(pdf);
  linkService.setDocument(pdf, null);
  findController.setDocument(pdf);
  $("page-count").textContent = pdf.numPages;
  $("page-number").max = pdf.numPages;
  buildThumbnails(pdf);
  window.__reader.ready = true;
}

// ------------------------------------------------------------------ navigation
let positionTimer = null;
function onPageChange(page) {
  $("page-number").value = page;
  document.querySelectorAll("#thumbs button").forEach((b) => {
    if (Number(b.dataset.page) === page) {
      b.setAttribute("aria-current", "page");
      b.scrollIntoView({ block: "nearest" });
    } else b.removeAttribute("aria-current");
  });
  clearTimeout(positionTimer);
  positionTimer = setTimeout(() => {
    api("PUT", `/api/documents/${documentId}/reading`, { version, page }).catch(() => {});
  }, 600);
}

function goTo(page) {
  const v = state.pdfViewer;
  if (!v || !v.pagesCount) return;
  v.currentPageNumber = Math.min(Math.max(1, page), v.pagesCount);
}
const step = (delta) => state.pdfViewer && goTo(state.pdfViewer.currentPageNumber + delta);

function zoom(factor) {
  const v = state.pdfViewer;
  if (v) v.currentScale = Math.min(Math.max(v.currentScale * factor, 0.25), 5);
}

function buildThumbnails(pdf) {
  const nav = $("thumbs");
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      observer.unobserve(entry.target);
      renderThumb(pdf, entry.target).catch(() => {});
    }
  }, { root: nav, rootMargin: "200px" });
  for (let n = 1; n <= pdf.numPages; n++) {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.page = n;
    button.setAttribute("aria-label", `${T.page} ${n}`);
    button.append(document.createElement("canvas"));
    const label = document.createElement("small");
    label.textContent = n;
    button.append(label);
    button.addEventListener("click", () => goTo(n));
    nav.append(button);
    observer.observe(button);
  }
}

async function renderThumb(pdf, button) {
  const page = await pdf.getPage(Number(button.dataset.page));
  const base = page.getViewport({ scale: 1 });
  const viewport = page.getViewport({ scale: 220 / base.width });
  const canvas = button.querySelector("canvas");
  canvas.width = viewport.width;
  canvas.height = viewport.height;
  await page.render({ canvas, canvasContext: canvas.getContext("2d"), viewport }).promise;
}

function showMatches(counts) {
  if (!counts || !counts.total) return;
  $("search-status").textContent = `${counts.current}/${counts.total} ${T.matches}`;
}

function search(findPrevious, again) {
  const query = $("search").value;
  if (!state.eventBus) return;
  state.eventBus.dispatch("find", {
    source: null, type: again ? "again" : "", query, caseSensitive: false, entireWord: false,
    highlightAll: true, findPrevious, matchDiacritics: false,
  });
}

function onKey(e) {
  const target = e.target;
  if ((e.ctrlKey || e.metaKey) && e.key === "f") {
    e.preventDefault();
    $("search").focus();
    return;
  }
  if (target.closest("input, textarea, select")) return;
  const keys = {
    ArrowRight: () => step(1), PageDown: () => step(1), j: () => step(1),
    ArrowLeft: () => step(-1), PageUp: () => step(-1), k: () => step(-1),
    Home: () => goTo(1), End: () => goTo(Infinity),
    "+": () => zoom(1.2), "=": () => zoom(1.2), "-": () => zoom(1 / 1.2),
    "0": () => { state.pdfViewer.currentScaleValue = "page-width"; },
    Escape: () => setTool("select"),
  };
  if (keys[e.key] && !e.ctrlKey && !e.metaKey && !e.altKey) {
    e.preventDefault();
    keys[e.key]();
  }
}

// Touch: a horizontal swipe turns the page; two fingers pinch to zoom.
function setupTouch() {
  const container = $("viewer-container");
  let start = null;
  let pinch = null;
  const distance = (t) => Math.hypot(t[0].clientX - t[1].clientX, t[0].clientY - t[1].clientY);
  container.addEventListener("touchstart", (e) => {
    if (state.tool === "ink") return;
    if (e.touches.length === 2) {
      pinch = { d: distance(e.touches), scale: state.pdfViewer.currentScale };
      start = null;
    } else if (e.touches.length === 1) {
      start = { x: e.touches[0].clientX, y: e.touches[0].clientY };
    }
  }, { passive: true });
  container.addEventListener("touchmove", (e) => {
    if (pinch && e.touches.length === 2) {
      e.preventDefault();
      pinch.ratio = distance(e.touches) / pinch.d;
    }
  }, { passive: false });
  container.addEventListener("touchend", (e) => {
    if (pinch) {
      if (pinch.ratio) state.pdfViewer.currentScale = Math.min(Math.max(pinch.scale * pinch.ratio, 0.25), 5);
      pinch = null;
      return;
    }
    if (!start || !e.changedTouches.length || !window.getSelection().isCollapsed) return;
    const dx = e.changedTouches[0].clientX - start.x;
    const dy = e.changedTouches[0].clientY - start.y;
    if (Math.abs(dx) > 80 && Math.abs(dy) < 50 && container.scrollWidth <= container.clientWidth + 2) {
      step(dx < 0 ? 1 : -1);
    }
    start = null;
  });
}

// ------------------------------------------------------------------ annotation layer
function pageDiv(page) {
  return document.querySelector(`#viewer .page[data-page-number="${page}"]`);
}

function layerOf(page) {
  const div = pageDiv(page);
  if (!div) return null;
  let layer = div.querySelector(":scope > .annot-layer");
  if (!layer) {
    layer = document.createElement("div");
    layer.className = "annot-layer";
    layer.dataset.page = page;
    layer.addEventListener("pointerdown", onLayerPointerDown);
    div.append(layer);
  }
  layer.classList.toggle("drawing", state.tool === "ink");
  layer.classList.toggle("placing", state.tool === "note");
  return layer;
}

function decoratePage(page) {
  const layer = layerOf(page);
  if (!layer) return;
  layer.replaceChildren();
  for (const a of state.annotations.values()) {
    if (a.page === page && !a.earlier_version && a.version === version) layer.append(...marksOf(a));
  }
  for (const stroke of state.ink.get(page) || []) layer.append(inkSvg([stroke], "#d00000"));
}

const pct = (v) => `${(v * 100).toFixed(3)}%`;

function marksOf(a) {
  const shared = !a.mine;
  if (a.kind === "highlight") {
    return a.geometry.rects.map(([x, y, w, h]) => {
      const el = document.createElement("div");
      el.className = "annot-hl" + (shared ? " shared" : "");
      el.dataset.id = a.id;
      Object.assign(el.style, { left: pct(x), top: pct(y), width: pct(w), height: pct(h), background: a.color });
      return el;
    });
  }
  if (a.kind === "note") {
    const el = document.createElement("button");
    el.type = "button";
    el.className = "annot-note" + (shared ? " shared" : "");
    el.dataset.id = a.id;
    el.textContent = "✎";
    el.title = a.body;
    el.setAttribute("aria-label", `${T.note}: ${a.body}`);
    Object.assign(el.style, { left: pct(a.geometry.point[0]), top: pct(a.geometry.point[1]), background: a.color });
    el.addEventListener("click", (e) => { e.stopPropagation(); focusItem(a.id); });
    return [el];
  }
  const svg = inkSvg(a.geometry.strokes, a.color);
  svg.dataset.id = a.id;
  return [svg];
}

function inkSvg(strokes, color) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "annot-ink");
  svg.setAttribute("viewBox", "0 0 1 1");
  svg.setAttribute("preserveAspectRatio", "none");
  for (const stroke of strokes) {
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", stroke.map(([x, y]) => `${x},${y}`).join(" "));
    line.setAttribute("stroke", color);
    svg.append(line);
  }
  return svg;
}

function redrawAll() {
  document.querySelectorAll("#viewer .page").forEach((div) => decoratePage(Number(div.dataset.pageNumber)));
  renderList();
}

// ------------------------------------------------------------------ tools
function setTool(tool) {
  if (state.tool === "ink" && tool !== "ink") saveInk().catch((err) => showError(err.message));
  state.tool = tool;
  document.querySelectorAll("[data-tool]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.tool === tool)));
  $("ink-done").hidden = tool !== "ink";
  document.querySelectorAll(".annot-layer").forEach((l) => {
    l.classList.toggle("drawing", tool === "ink");
    l.classList.toggle("placing", tool === "note");
  });
}

const clamp = (v) => Math.min(Math.max(v, 0), 1);
const round = (v) => Math.round(clamp(v) * 1e5) / 1e5;

function relative(layer, clientX, clientY) {
  const box = layer.getBoundingClientRect();
  return [round((clientX - box.left) / box.width), round((clientY - box.top) / box.height)];
}

function onLayerPointerDown(e) {
  const layer = e.currentTarget;
  const page = Number(layer.dataset.page);
  if (state.tool === "note") {
    e.preventDefault();
    state.pendingNote = { page, point: relative(layer, e.clientX, e.clientY) };
    $("note-editor").hidden = false;
    $("note-text").focus();
    return;
  }
  if (state.tool !== "ink") return;
  e.preventDefault();
  layer.setPointerCapture(e.pointerId);
  const stroke = [relative(layer, e.clientX, e.clientY)];
  const strokes = state.ink.get(page) || [];
  strokes.push(stroke);
  state.ink.set(page, strokes);
  const svg = inkSvg([stroke], "#d00000");
  layer.append(svg);
  const line = svg.querySelector("polyline");
  const move = (ev) => {
    for (const p of ev.getCoalescedEvents ? ev.getCoalescedEvents() : [ev]) {
      if (stroke.length < 2000) stroke.push(relative(layer, p.clientX, p.clientY));
    }
    line.setAttribute("points", stroke.map(([x, y]) => `${x},${y}`).join(" "));
  };
  const up = () => {
    layer.removeEventListener("pointermove", move);
    layer.removeEventListener("pointerup", up);
    layer.removeEventListener("pointercancel", up);
  };
  layer.addEventListener("pointermove", move);
  layer.addEventListener("pointerup", up);
  layer.addEventListener("pointercancel", up);
}

async function saveInk() {
  const pending = [...state.ink.entries()];
  state.ink.clear();
  for (const [page, strokes] of pending) {
    if (!strokes.length) continue;
    const made = await api("POST", `/api/documents/${documentId}/annotations`, {
      kind: "ink", page, version, strokes, color: "#d00000",
    });
    upsert(made);
  }
}

function selectionHighlight() {
  const selection = window.getSelection();
  if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
  const range = selection.getRangeAt(0);
  const start = range.startContainer.parentElement && range.startContainer.parentElement.closest(".page");
  if (!start) return null;
  const page = Number(start.dataset.pageNumber);
  const layer = layerOf(page);
  const box = layer.getBoundingClientRect();
  const lines = [];
  for (const r of range.getClientRects()) {
    if (r.width < 1 || r.height < 1 || r.width > box.width * 0.95 || r.height > box.height * 0.2) continue;
    const line = lines.find((l) => Math.abs(l.top - r.top) < r.height / 2 && Math.abs(l.bottom - r.bottom) < r.height / 2);
    if (line) {
      line.left = Math.min(line.left, r.left);
      line.right = Math.max(line.right, r.right);
    } else lines.push({ left: r.left, right: r.right, top: r.top, bottom: r.bottom });
  }
  const rects = lines.slice(0, 200).map((l) => [
    round((l.left - box.left) / box.width), round((l.top - box.top) / box.height),
    round((l.right - l.left) / box.width), round((l.bottom - l.top) / box.height),
  ]);
  const quote = selection.toString().replace(/\s+/g, " ").trim().slice(0, 5000);
  if (!rects.length || !quote) return null;
  return { page, rects, quote };
}

async function highlightSelection() {
  const found = selectionHighlight();
  if (!found) {
    showError(T.no_selection);
    return;
  }
  const made = await api("POST", `/api/documents/${documentId}/annotations`, {
    kind: "highlight", version, color: "#ffd400", ...found,
  });
  window.getSelection().removeAllRanges();
  upsert(made);
  focusItem(made.id);
}

async function saveNote(e) {
  e.preventDefault();
  const body = $("note-text").value.trim();
  if (!body || !state.pendingNote) return;
  const made = await api("POST", `/api/documents/${documentId}/annotations`, {
    kind: "note", version, page: state.pendingNote.page, point: state.pendingNote.point, body, color: "#ffd400",
  });
  state.pendingNote = null;
  $("note-text").value = "";
  $("note-editor").hidden = true;
  setTool("select");
  upsert(made);
}

// ------------------------------------------------------------------ side panel
function upsert(a) {
  state.annotations.set(a.id, a);
  decoratePage(a.page);
  renderList();
}

function forget(id) {
  const a = state.annotations.get(id);
  state.annotations.delete(id);
  if (a) decoratePage(a.page);
  renderList();
}

function focusItem(id) {
  document.querySelectorAll(".annotation-list li").forEach((li) => li.classList.toggle("active", Number(li.dataset.id) === id));
  const li = document.querySelector(`.annotation-list li[data-id="${id}"]`);
  if (li) li.scrollIntoView({ block: "nearest" });
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
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

async function loadAnnotations() {
  const list = await api("GET", `/api/documents/${documentId}/annotations`);
  state.annotations = new Map(list.map((a) => [a.id, a]));
  redrawAll();
}

// ------------------------------------------------------------------ live updates
function connect(attempt = 0) {
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

// ------------------------------------------------------------------ opinions
const timeFormat = new Intl.DateTimeFormat(document.documentElement.lang === "vi" ? "vi-VN" : "en-GB", {
  dateStyle: "short", timeStyle: "short", timeZone: cfg.zone || undefined,
});
const when = (iso) => timeFormat.format(new Date(iso));
async function loadOpinions() {
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

async function sendOpinion(e) {
  e.preventDefault();
  const body = $("opinion-text").value.trim();
  if (!body) return;
  await api("POST", `/api/meetings/${meetingId}/opinions`, { document_id: documentId, body });
  $("opinion-text").value = "";
  await loadOpinions();
}

// ------------------------------------------------------------------ wiring
$("prev").addEventListener("click", () => step(-1));
$("next").addEventListener("click", () => step(1));
$("page-number").addEventListener("change", (e) => goTo(Number(e.target.value)));
$("zoom-in").addEventListener("click", () => zoom(1.2));
$("zoom-out").addEventListener("click", () => zoom(1 / 1.2));
$("fit-width").addEventListener("click", () => { state.pdfViewer.currentScaleValue = "page-width"; });
$("thumbs-toggle").addEventListener("click", (e) => {
  const hidden = document.querySelector(".reader-body").classList.toggle("no-thumbs");
  e.currentTarget.setAttribute("aria-pressed", String(!hidden));
});
$("search-form").addEventListener("submit", (e) => { e.preventDefault(); search(false, true); });
$("search").addEventListener("input", () => search(false, false));
$("search-prev").addEventListener("click", () => search(true, true));
$("tool-select").addEventListener("click", () => setTool("select"));
$("tool-note").addEventListener("click", () => setTool("note"));
$("tool-ink").addEventListener("click", () => setTool("ink"));
$("ink-done").addEventListener("click", guarded(async () => { await saveInk(); setTool("select"); }));
$("tool-highlight").addEventListener("click", guarded(async () => {
  // With text selected, highlight it now; otherwise stay in highlight mode until text is selected.
  if (window.getSelection().isCollapsed) setTool("highlight");
  else await highlightSelection();
}));
$("viewer-container").addEventListener("pointerup", () => {
  if (state.tool === "highlight" && !window.getSelection().isCollapsed) {
    highlightSelection().catch((err) => showError(err.message));
  }
});
$("note-editor").addEventListener("submit", guarded(saveNote));
$("note-cancel").addEventListener("click", () => { state.pendingNote = null; $("note-editor").hidden = true; });
if (meetingId) $("opinion-form").addEventListener("submit", guarded(sendOpinion)); // a ballot's document has none
document.addEventListener("keydown", onKey);
setupTouch();

connect();
if (meetingId) loadOpinions().catch((err) => showError(err.message));
openDocument().catch((err) => showError(err.message));
