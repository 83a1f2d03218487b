// The structured minutes editor: one labelled field per "## " section of the text, reassembled
// into the same text (the form's raw textarea, which is what is submitted) on every change. The
// raw text stays one toggle away; without JavaScript the raw textarea is the editor.
"use strict";

(() => {
  const SECTION = /^## /;

  // Text → {preamble: string|null, sections: [{heading, body, hasBody}]}; join() gives it back.
  function split(text) {
    const lines = text.split("\n");
    const parts = { preamble: null, sections: [] };
    let current = null;
    const head = [];
    for (const line of lines) {
      if (SECTION.test(line)) {
        current = { heading: line, lines: [] };
        parts.sections.push(current);
      } else if (current) {
        current.lines.push(line);
      } else {
        head.push(line);
      }
    }
    if (head.length) parts.preamble = head.join("\n");
    for (const s of parts.sections) {
      s.hasBody = s.lines.length > 0;
      s.body = s.lines.join("\n");
      delete s.lines;
    }
    return parts;
  }

  function join(parts) {
    const out = [];
    if (parts.preamble !== null) out.push(parts.preamble);
    for (const s of parts.sections) {
      out.push(s.heading);
      if (s.hasBody || s.body !== "") out.push(s.body);
    }
    return out.join("\n");
  }

  function field(id, label, value, onInput) {
    const wrap = document.createElement("div");
    wrap.className = "minutes-section-field stack";
    const lab = document.createElement("label");
    lab.htmlFor = id;
    lab.textContent = label;
    const area = document.createElement("textarea");
    area.id = id;
    area.rows = Math.min(16, Math.max(3, value.split("\n").length + 1));
    area.value = value;
    area.className = "minutes-editor";
    area.addEventListener("input", () => onInput(area.value));
    wrap.append(lab, area);
    return wrap;
  }

  function start(root) {
    const raw = document.getElementById(root.dataset.raw);
    const rawBox = document.getElementById(root.dataset.rawBox);
    const toggle = root.querySelector("[data-minutes-toggle]");
    const fields = root.querySelector("[data-minutes-fields]");
    let parts = null;

    function build() {
      parts = split(raw.value);
      fields.replaceChildren();
      if (!parts.sections.length) return false;
      if (parts.preamble !== null) {
        fields.append(
          field("minutes-preamble", root.dataset.preamble, parts.preamble, (v) => {
            parts.preamble = v;
            raw.value = join(parts);
          }),
        );
      }
      parts.sections.forEach((s, n) => {
        const label = s.heading.replace(SECTION, "");
        fields.append(
          field(`minutes-section-${n + 1}`, label, s.body, (v) => {
            s.body = v;
            raw.value = join(parts);
          }),
        );
      });
      return true;
    }

    function show(structured) {
      fields.hidden = !structured;
      rawBox.hidden = structured;
      toggle.setAttribute("aria-pressed", String(!structured));
      toggle.textContent = structured ? root.dataset.showRaw : root.dataset.showSections;
    }

    toggle.addEventListener("click", () => {
      if (fields.hidden) show(build());
      else show(false);
    });
    toggle.hidden = false;
    show(build());
  }

  document.querySelectorAll("[data-minutes-structured]").forEach(start);
  window.minutesText = { split, join };
})();
