// The reader's input: the search box (pdf.js find controller), keyboard shortcuts, and touch
// gestures (a horizontal swipe turns the page; two fingers pinch to zoom).
// Exposes: search, showMatches, onKey, setupTouch.
"use strict";

import { state, T, $ } from "./reader_context.js";
import { setTool } from "./reader_tools.js";
import { goTo, step, zoom } from "./reader_viewer.js";

export function showMatches(counts) {
  if (!counts || !counts.total) return;
  $("search-status").textContent = `${counts.current}/${counts.total} ${T.matches}`;
}

export function search(findPrevious, again) {
  const query = $("search").value;
  if (!state.eventBus) return;
  state.eventBus.dispatch("find", {
    source: null, type: again ? "again" : "", query, caseSensitive: false, entireWord: false,
    highlightAll: true, findPrevious, matchDiacritics: false,
  });
}

export function onKey(e) {
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
export function setupTouch() {
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
