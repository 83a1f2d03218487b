// The document reader (entry module): wires the toolbar, the annotation tools, the keyboard and
// touch, then opens the document, the live socket and the opinions. The parts:
//   reader_context.js     settings, texts, state, API helper (window.__reader)
//   reader_viewer.js      pdf.js viewer, navigation, zoom, thumbnails, reading position
//   reader_input.js       search, keyboard shortcuts, touch gestures
//   reader_layer.js       the annotation layer drawn over each page
//   reader_tools.js       the annotation tools (highlight, note, ink)
//   reader_annotations.js the annotations side panel (edit, share, delete)
//   reader_live.js        live updates over /ws/documents/{id}
//   reader_opinions.js    the document's opinions
// reader_follow.js (loaded beside it) presents or follows in a meeting.
"use strict";

import { guarded, meetingId, showError, state, $ } from "./reader_context.js";
import { onKey, search, setupTouch } from "./reader_input.js";
import { connect } from "./reader_live.js";
import { loadOpinions, sendOpinion } from "./reader_opinions.js";
import { highlightSelection, saveInk, saveNote, setTool } from "./reader_tools.js";
import { goTo, openDocument, step, zoom } from "./reader_viewer.js";

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
