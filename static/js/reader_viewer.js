// The reader's pages: pdf.js (vendored, legacy build) opens the document in a PDFViewer, the
// thumbnails strip, page navigation and zoom, and the saved reading position.
// Exposes: openDocument, goTo, step, zoom.
"use strict";

import { api, cfg, documentId, state, T, version, $ } from "./reader_context.js";
import { showMatches } from "./reader_input.js";
import { decoratePage } from "./reader_layer.js";

// ------------------------------------------------------------------ pdf.js
async function loadPdfJs() {
  const pdfjsLib = await import(cfg.pdfjs);
  globalThis.pdfjsLib = pdfjsLib; // the viewer components read it from there
  const viewer = await import(cfg.pdfjsViewer);
  pdfjsLib.GlobalWorkerOptions.workerSrc = cfg.worker;
  return { pdfjsLib, viewer };
}

export async function openDocument() {
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

export function goTo(page) {
  const v = state.pdfViewer;
  if (!v || !v.pagesCount) return;
  v.currentPageNumber = Math.min(Math.max(1, page), v.pagesCount);
}
export const step = (delta) => state.pdfViewer && goTo(state.pdfViewer.currentPageNumber + delta);

export function zoom(factor) {
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
