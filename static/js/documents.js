// Agenda editor, document upload, board book and reminders. No inline scripts (CSP); every
// state-changing call sends the CSRF token from <meta name="csrf-token">.
import { itemFields } from "./agenda_builder.js";
import { api, csrf } from "./http.js";

(function () {
  const errorBox = document.getElementById("page-error");

  function showError(message) {
    if (!errorBox) return;
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function guarded(fn) {
    return (event) => fn(event).catch((err) => showError(err.message));
  }

  // ---------------------------------------------------------------- agenda
  const list = document.getElementById("agenda-items");
  if (list && list.dataset.editable === "true") {
    const base = `/api/meetings/${list.dataset.meeting}/agenda`;
    let dragged = null;

    async function saveOrder() {
      const ids = [...list.querySelectorAll(".agenda-item")].map((li) => Number(li.dataset.id));
      await api("PUT", `${base}/order`, { item_ids: ids });
      location.reload();
    }

    list.addEventListener("dragstart", (e) => {
      dragged = e.target.closest(".agenda-item");
      dragged.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
    });
    list.addEventListener("dragover", (e) => {
      e.preventDefault();
      const over = e.target.closest(".agenda-item");
      if (!dragged || !over || over === dragged) return;
      const box = over.getBoundingClientRect();
      const after = e.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? over.nextSibling : over);
    });
    list.addEventListener("drop", guarded(async (e) => {
      e.preventDefault();
      if (dragged) dragged.classList.remove("dragging");
      dragged = null;
      await saveOrder();
    }));
    list.addEventListener("dragend", () => dragged && dragged.classList.remove("dragging"));

    list.addEventListener("click", guarded(async (e) => {
      const li = e.target.closest(".agenda-item");
      if (!li) return;
      if (e.target.classList.contains("js-up") && li.previousElementSibling) {
        list.insertBefore(li, li.previousElementSibling);
        await saveOrder();
      } else if (e.target.classList.contains("js-down") && li.nextElementSibling) {
        list.insertBefore(li.nextElementSibling, li);
        await saveOrder();
      } else if (e.target.classList.contains("js-remove")) {
        await api("DELETE", `${base}/items/${li.dataset.id}`);
        location.reload();
      }
    }));
    list.addEventListener("change", guarded(async (e) => {
      if (!e.target.classList.contains("js-status")) return;
      const li = e.target.closest(".agenda-item");
      await api("PATCH", `${base}/items/${li.dataset.id}`, { status: e.target.value });
    }));
  }

  const addForm = document.getElementById("agenda-add");
  if (addForm) {
    addForm.addEventListener("submit", guarded(async (e) => {
      e.preventDefault();
      await api("POST", `/api/meetings/${addForm.dataset.meeting}/agenda`, itemFields(addForm));
      location.reload();
    }));
  }

  const publish = document.getElementById("agenda-publish");
  if (publish) {
    publish.addEventListener("click", guarded(async () => {
      publish.disabled = true;
      await api("POST", `/api/meetings/${publish.dataset.meeting}/agenda/publish`);
      location.assign(`${location.pathname}?notice=published`);
    }));
  }

  // ---------------------------------------------------------------- upload
  const upload = document.getElementById("upload-form");
  if (upload) {
    const zone = document.getElementById("dropzone");
    const input = upload.querySelector('input[type="file"]');
    const bar = document.getElementById("upload-progress");
    const maxBytes = Number(upload.dataset.max) * 1024 * 1024;

    ["dragenter", "dragover"].forEach((t) => zone.addEventListener(t, (e) => {
      e.preventDefault();
      zone.classList.add("over");
    }));
    ["dragleave", "drop"].forEach((t) => zone.addEventListener(t, () => zone.classList.remove("over")));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      if (e.dataTransfer.files.length) input.files = e.dataTransfer.files;
      zone.dataset.name = input.files.length ? input.files[0].name : "";
    });

    upload.addEventListener("submit", (e) => {
      e.preventDefault();
      const file = input.files[0];
      if (!file) return;
      if (file.size > maxBytes) {
        showError(`${file.name}: > ${upload.dataset.max} MB`);
        return;
      }
      const body = new FormData();
      for (const name of ["title", "classification", "agenda_item_id"]) {
        const value = upload.elements[name].value;
        if (value) body.append(name, value);
      }
      body.append("file", file, file.name);  // last, so the text fields arrive first
      const xhr = new XMLHttpRequest();  // fetch() has no upload progress
      xhr.open("POST", `/api/meetings/${upload.dataset.meeting}/documents`);
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      bar.hidden = false;
      bar.value = 0;
      xhr.upload.addEventListener("progress", (p) => {
        if (p.lengthComputable) bar.value = Math.round((p.loaded / p.total) * 100);
      });
      xhr.addEventListener("load", () => {
        if (xhr.status === 201) {
          location.reload();
          return;
        }
        let message = xhr.statusText;
        try { message = JSON.parse(xhr.responseText).error.message; } catch (_) { /* keep */ }
        bar.hidden = true;
        showError(message);
      });
      xhr.addEventListener("error", () => showError("Network error"));
      xhr.send(body);
    });
  }

  document.querySelectorAll(".js-withdraw").forEach((button) => {
    button.addEventListener("click", guarded(async () => {
      await api("POST", `/api/documents/${button.dataset.id}/withdraw`);
      location.reload();
    }));
  });

  // ---------------------------------------------------------------- board book
  const book = document.getElementById("board-book");
  if (book) {
    const url = `/api/meetings/${book.dataset.meeting}/board-book`;
    const bar = document.getElementById("book-progress");
    const status = document.getElementById("book-status");
    const download = document.getElementById("book-download");
    const bookText = JSON.parse(book.dataset.text);

    function render(state) {
      bar.hidden = state.status !== "building";
      bar.value = state.progress;
      const label = bookText[state.status] || "";
      status.textContent = state.status === "building" ? `${label} ${state.progress}%` : label;
      download.hidden = state.status !== "ready"; // the link opens the board book page
      return state.status === "building";
    }

    async function poll() {
      if (render(await api("GET", url))) setTimeout(() => poll().catch((e) => showError(e.message)), 1000);
    }

    // The download goes through a signed link minted on click (valid a few minutes, for this
    // user's session only: SEC-C2), so the address a download manager or another tab keeps
    // stops working soon; without JS the plain link (cookie session) still works.
    download.addEventListener("click", guarded(async (event) => {
      event.preventDefault();
      const link = await api("GET", `${url}/link`);
      location.assign(link.url);
    }));

    document.getElementById("book-build").addEventListener("click", guarded(async () => {
      if (render(await api("POST", url))) await poll();
    }));
    if (!bar.hidden) poll().catch((e) => showError(e.message));
  }

  // ---------------------------------------------------------------- reminders
  const remind = document.getElementById("remind-all");
  if (remind) {
    remind.addEventListener("click", guarded(async () => {
      remind.disabled = true;
      const result = await api("POST", `/api/meetings/${remind.dataset.meeting}/distribution/remind`);
      document.getElementById("remind-result").textContent = `✓ ${result.reminded}`;
    }));
  }
})();
