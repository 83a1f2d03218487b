// The agenda builder's item forms (templates/documents/agenda.html): the fields of an item as the
// API takes them (title, presenter person and organization, planned minutes, description), and
// saving an item's edit form with PATCH /api/meetings/{id}/agenda/items/{item}. Adding, moving,
// removing and publishing are in documents.js. Exposes: itemFields.
import { api } from "./http.js";

export function itemFields(form) {
  const data = new FormData(form);
  const id = (name) => (data.get(name) ? Number(data.get(name)) : null);
  return {
    title: data.get("title"),
    presenter_user_id: id("presenter_user_id"),
    presenter_organization_id: id("presenter_organization_id"),
    planned_minutes: Number(data.get("planned_minutes") || 0),
    description: data.get("description") || "",
  };
}

const list = document.getElementById("agenda-items");
const errorBox = document.getElementById("page-error");
if (list) {
  list.addEventListener("submit", async (event) => {
    const form = event.target.closest("form.js-edit");
    if (!form) return;
    event.preventDefault();
    try {
      await api("PATCH", `/api/meetings/${list.dataset.meeting}/agenda/items/${form.dataset.id}`,
        itemFields(form));
      location.reload();
    } catch (error) {
      errorBox.textContent = error.message;
      errorBox.hidden = false;
    }
  });
}
