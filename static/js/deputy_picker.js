// The delegation form's deputy picker on the meeting page: an ARIA 1.2 combobox over the people
// of one's organization who could stand in (GET /api/meetings/{id}/deputies?q=…). Typing
// searches (tone marks and case do not matter); ↓/↑ move through the list, Enter or a click
// picks (the username goes in the hidden delegate_username), Escape closes. Without a pick the
// server resolves the typed name when it is unambiguous. Strings in #deputy-text. Exposes nothing.
import { api, el } from "./http.js";

const text = JSON.parse(document.getElementById("deputy-text").textContent);

for (const form of document.querySelectorAll("form.deputy-form")) {
  const input = form.querySelector("input[role=combobox]");
  const list = document.getElementById(input.getAttribute("aria-controls"));
  const count = form.querySelector(".combo-count");
  const chosen = form.querySelector("input[name=delegate_username]");
  let options = [];
  let active = -1;
  let asked = 0;

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };

  const highlight = (index) => {
    active = index;
    options.forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  };

  const pick = (li) => {
    chosen.value = li.dataset.username;
    input.value = li.dataset.name;
    input.removeAttribute("aria-invalid");
    count.textContent = "";
    close();
  };

  const show = (people) => {
    list.replaceChildren();
    options = people.map((p, i) => {
      const detail = [p.title, p.organization].filter(Boolean).join(" · ");
      const li = el("li", { id: `${list.id}-${i}`, role: "option" }, p.full_name,
        el("small", { className: "muted" }, ` ${detail}`));
      li.setAttribute("aria-selected", "false");
      li.dataset.username = p.username;
      li.dataset.name = p.full_name;
      li.addEventListener("mousedown", (e) => e.preventDefault()); // keep the focus in the input
      li.addEventListener("click", () => pick(li));
      return li;
    });
    list.append(...options);
    count.textContent = people.length ? `${people.length} ${text.results}` : text.none;
    list.hidden = people.length === 0;
    input.setAttribute("aria-expanded", String(people.length > 0));
    highlight(-1);
  };

  const search = async () => {
    const ticket = ++asked;
    const people = await api("GET", `${form.dataset.search}?q=${encodeURIComponent(input.value)}`);
    if (ticket === asked) show(people); // an older answer arriving late is dropped
  };

  input.addEventListener("input", () => {
    chosen.value = ""; // typing again undoes the pick
    search().catch((err) => { count.textContent = err.message; });
  });
  input.addEventListener("focus", () => { if (!chosen.value) search().catch(() => {}); });
  input.addEventListener("blur", close);
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (list.hidden) { search().catch(() => {}); return; }
      const step = e.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + options.length) % options.length);
    } else if (e.key === "Enter" && !list.hidden && active >= 0) {
      e.preventDefault();
      pick(options[active]);
    } else if (e.key === "Escape") close();
  });
}
