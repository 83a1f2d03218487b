// The annotation tools: select, highlight (the selected text), note (placed with a click and
// written in the note editor) and ink (drawn with the pointer, saved when the tool changes).
// Each new annotation is created through the API and handed to the side panel.
// Exposes: setTool, onLayerPointerDown, saveInk, highlightSelection, saveNote.
"use strict";

import { api, documentId, showError, state, T, version, $ } from "./reader_context.js";
import { focusItem, upsert } from "./reader_annotations.js";
import { inkSvg, layerOf } from "./reader_layer.js";

export function setTool(tool) {
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

export function onLayerPointerDown(e) {
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

export async function saveInk() {
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

export async function highlightSelection() {
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

export async function saveNote(e) {
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
