// The attendance page's check-in at the hall (hybrid and in-person meetings, for the meeting's
// secretary): ticking a person posts a correction to "present in person"
// (POST /api/meetings/{id}/attendance/corrections); unticking withdraws it (DELETE …/{participant}).
// The quorum line and the person's row are redrawn from the attendance the server answers.
// Strings come translated in #check-in-text. Exposes nothing.
import { api } from "./http.js";

const box = document.getElementById("check-in");
const text = JSON.parse(document.getElementById("check-in-text").textContent);
const status = document.getElementById("check-in-status");
const base = `/api/meetings/${box.dataset.meeting}/attendance/corrections`;
const STATUS_COLUMN = 4;
const SOURCE_COLUMN = 5;

function redraw(view) {
  const q = view.quorum;
  document.getElementById("quorum-line").textContent =
    `${q.reached ? text.reached : text.no_quorum}: ${q.counted}/${q.members} (${text.required} ${q.required})`;
  for (const row of view.rows) {
    const tr = document.querySelector(`#attendance-table tr[data-participant="${row.participant_id}"]`);
    if (!tr) continue;
    tr.cells[STATUS_COLUMN].textContent = text.statuses[row.status] || row.status;
    tr.cells[SOURCE_COLUMN].textContent = text.sources[row.source] || row.source;
  }
}

box.addEventListener("change", async (event) => {
  const input = event.target;
  if (!input.matches("input[type=checkbox][data-participant]")) return;
  const id = Number(input.dataset.participant);
  const name = input.closest("label").textContent.trim().split("·")[0].trim();
  input.disabled = true;
  status.classList.remove("alert", "error");
  try {
    const view = input.checked
      ? await api("POST", base, { participant_id: id, status: "present_in_person" })
      : await api("DELETE", `${base}/${id}`);
    redraw(view);
    status.textContent = `${input.checked ? text.checked : text.unchecked} ${name}`;
  } catch (err) {
    input.checked = !input.checked;
    status.classList.add("alert", "error");
    status.textContent = err.message;
  } finally {
    input.disabled = false;
  }
});
