// The annotation layer: one <div class="annot-layer"> over each rendered page, drawing the
// annotations of this version (highlights, notes, ink) and the ink strokes not yet saved.
// Coordinates are fractions of the page (0..1, top-left origin), so zooming never moves a mark.
// Exposes: layerOf, decoratePage, inkSvg.
"use strict";

import { state, T, version } from "./reader_context.js";
import { focusItem } from "./reader_annotations.js";
import { onLayerPointerDown } from "./reader_tools.js";

function pageDiv(page) {
  return document.querySelector(`#viewer .page[data-page-number="${page}"]`);
}

export function layerOf(page) {
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

export function decoratePage(page) {
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

export function inkSvg(strokes, color) {
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
