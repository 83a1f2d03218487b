// Conclusions notices and follow-up tasks: buttons with data-api="METHOD /api/path" (and an
// optional data-body JSON), the notice editor, the progress form and the task form. Everything is
// sent to the JSON API with the CSRF header; on success the page reloads, on failure the error
// is shown in [data-error].
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const app = document.getElementById("tasks-app");
const offset = app ? app.dataset.offset : "+07:00";
const errorBox = document.querySelector("[data-error]");

function showError(message) {
  if (!errorBox) return;
  errorBox.textContent = message;
  errorBox.hidden = false;
  errorBox.scrollIntoView({ block: "center" });
}

async function send(method, path, body) {
  const options = { method, credentials: "same-origin", headers: { "X-CSRF-Token": csrf } };
  if (body instanceof FormData) {
    options.body = body;
  } else if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const resp = await fetch(path, options);
  const data = resp.status === 204 ? {} : await resp.json();
  if (!resp.ok) {
    const error = data.error || {};
    const details = Array.isArray(error.details) ? error.details.map((d) => d.field || d).join(", ") : "";
    showError((error.message || resp.statusText) + (details ? ` (${details})` : ""));
    throw new Error(String(resp.status));
  }
  return data;
}

function deadline(value) {
  return value ? `${value}:00${offset}` : null;
}

function selected(select) {
  return Array.from(select.selectedOptions).map((o) => Number(o.value)).filter(Boolean);
}

function field(root, name) {
  return root.querySelector(`[data-field="${name}"]`);
}

function noticeBody(form) {
  const conclusions = Array.from(form.querySelectorAll("[data-conclusion]")).map((li) => {
    const item = field(li, "agenda_item_id").value;
    return {
      text: field(li, "text").value,
      agenda_item_id: item ? Number(item) : null,
      tasks: Array.from(li.querySelectorAll("[data-task]")).map((t) => ({
        title: field(t, "title").value,
        assignee_id: Number(field(t, "assignee_id").value),
        cooperating_ids: selected(field(t, "cooperating_ids")),
        deadline: deadline(field(t, "deadline").value),
      })),
    };
  });
  return { title: form.elements.title.value, conclusions };
}

function fromTemplate(selector) {
  return document.querySelector(selector).content.firstElementChild.cloneNode(true);
}

document.addEventListener("click", async (event) => {
  const target = event.target;
  const button = target.closest("button[data-api]");
  if (button) {
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    const [method, path] = button.dataset.api.split(" ");
    button.disabled = true;
    try {
      await send(method, path, button.dataset.body ? JSON.parse(button.dataset.body) : undefined);
      window.location.reload();
    } catch (err) {
      button.disabled = false;
    }
    return;
  }
  if (target.closest("[data-add-conclusion]")) {
    document.querySelector("[data-conclusions]").append(fromTemplate("[data-conclusion-template]"));
  } else if (target.closest("[data-add-task]")) {
    target.closest("[data-conclusion]").querySelector("[data-tasks]").append(fromTemplate("[data-task-template]"));
  } else if (target.closest("[data-remove]")) {
    const kind = target.closest("[data-remove]").dataset.remove;
    target.closest(kind === "task" ? "[data-task]" : "[data-conclusion]").remove();
  }
});

document.addEventListener("submit", async (event) => {
  const form = event.target;
  let request = null;
  if (form.dataset.noticeEditor) {
    request = ["PATCH", `/api/conclusions/${form.dataset.noticeEditor}`, noticeBody(form)];
  } else if (form.dataset.progress) {
    const path = `/api/tasks/${form.dataset.progress}/progress`;
    const file = form.elements.file.files[0];
    if (file) {
      const body = new FormData(form);
      if (!form.elements.done.checked) body.delete("done");
      request = ["POST", path, body];
    } else {
      request = ["POST", path, {
        note: form.elements.note.value,
        percent: Number(form.elements.percent.value),
        done: form.elements.done.checked,
      }];
    }
  } else if (form.dataset.taskEdit) {
    request = ["PATCH", `/api/tasks/${form.dataset.taskEdit}`, {
      title: form.elements.title.value,
      deadline: deadline(form.elements.deadline.value),
      assignee_id: Number(form.elements.assignee_id.value),
      cooperating_ids: selected(form.elements.cooperating_ids),
    }];
  }
  if (!request) return;
  event.preventDefault();
  const submit = form.querySelector("button.primary");
  if (submit) submit.disabled = true;
  try {
    await send(...request);
    window.location.reload();
  } catch (err) {
    if (submit) submit.disabled = false;
  }
});
