// The opened vote as a dialog over the page, for every voter: the meeting room
// (room_session.js) and the document reader (reader_vote.js) both use it, so a vote is never
// missed below the fold. A native <dialog> opened modally (role dialog, labelled by the motion's
// title; the focus moves onto the first choice), announced through a polite live region
// ("Biểu quyết đang mở: …"). Escape or "Later" postpones it: a "Vote now" button stays in view
// at the bottom of the page until the vote closes, and brings the dialog back. After voting the
// dialog says "You have voted: …" (a secret vote only "You have voted"), and the choice can still
// change until the vote closes; when it closes, the dialog goes and the result is announced.
// The state words are the same everywhere (VOTE_LABELS; the console's template uses the same).

export const VOTE_LABELS = {
  agree: "Agree", disagree: "Disagree", abstain: "Abstain",
  adopted: "Adopted", rejected: "Not adopted", no_quorum: "No quorum",
  open: "Voting open", closed: "Voting closed",
};

// The English texts this dialog shows (their translations come with the page).
export const VOTE_TEXTS = [
  ...Object.values(VOTE_LABELS), "Votes cast", "Later (Esc)", "Close", "Vote now",
  "You have voted", "For the member you stand in for", "Secret ballot: nobody can see how you voted.",
  "The vote has closed.", "Secret vote",
];

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "attrs") for (const [a, v] of Object.entries(value)) node.setAttribute(a, v);
    else node[key] = value;
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

export class VoteDialog {
  // t: translate; me: this viewer's own participant id (number) or null; csrf: the page's token;
  // onVoted: called after each accepted vote (to reload the viewer's snapshot).
  constructor({ t, me, csrf, onVoted }) {
    this.t = t;
    this.me = me;
    this.csrf = csrf;
    this.onVoted = onVoted || (() => {});
    this.motion = null;
    this.mine = null;
    this.offered = new Set(); // motions this dialog has come up for (once each)
    this.error = "";
    this.dialog = el("dialog", { id: "vote-dialog", className: "vote-dialog", attrs: { "aria-labelledby": "vote-dialog-title", "aria-describedby": "vote-dialog-state" } });
    this.dialog.addEventListener("cancel", () => this.postpone());
    this.dialog.addEventListener("close", () => this.renderReopen());
    this.reopen = el("button", { type: "button", id: "vote-reopen", className: "vote-reopen primary", hidden: true, onclick: () => this.show() });
    this.announce = el("p", { id: "vote-announce", className: "sr-only", attrs: { role: "status", "aria-live": "polite" } });
    document.body.append(this.dialog, this.reopen, this.announce);
  }

  label(code) { return this.t(VOTE_LABELS[code] || code); }

  // motion: the open motion of the public state (or null); mine: this viewer's own motion
  // entry from GET /api/meetings/{id}/session ({may_vote_for, my_choices}) or null.
  update(motion, mine) {
    const before = this.motion;
    if (!motion || motion.status !== "open") {
      if (before) this.say(`${this.t("The vote has closed.")} ${before.title}`);
      this.motion = null;
      this.mine = null;
      if (this.dialog.open) this.dialog.close();
      this.renderReopen();
      return;
    }
    this.motion = motion;
    this.mine = mine;
    const voter = Boolean(mine && mine.may_vote_for && mine.may_vote_for.length);
    if (!voter) {
      if (this.dialog.open) this.dialog.close();
      this.renderReopen();
      return;
    }
    this.render();
    if (!this.offered.has(motion.id)) {
      this.offered.add(motion.id);
      this.say(`${this.t("Voting open")}: ${motion.title}`);
      this.show();
    }
    this.renderReopen();
  }

  say(text) { this.announce.textContent = text; }

  show() {
    if (!this.motion) return;
    this.render();
    if (!this.dialog.open) this.dialog.showModal();
    const first = this.dialog.querySelector("button[data-choice]");
    if (first) first.focus();
    this.renderReopen();
  }

  postpone() {
    // The native cancel closes the dialog; the button closes it here.
    if (this.dialog.open) this.dialog.close();
    this.renderReopen();
  }

  renderReopen() {
    const show = Boolean(this.motion && this.mine && this.mine.may_vote_for && this.mine.may_vote_for.length && !this.dialog.open);
    this.reopen.hidden = !show;
    if (show) this.reopen.textContent = `${this.label("open")}: ${this.motion.title} — ${this.t("Vote now")}`;
  }

  render() {
    const mo = this.motion;
    if (!mo) return;
    const t = this.t;
    const mine = this.mine || { may_vote_for: [], my_choices: {} };
    const voted = mine.may_vote_for.every((seat) => mine.my_choices[String(seat)]);
    const focusedChoice = this.dialog.contains(document.activeElement) && document.activeElement.dataset
      ? document.activeElement.dataset.choice : null;
    const body = [
      el("h2", { id: "vote-dialog-title", textContent: mo.title }),
      el("p", { id: "vote-dialog-state" },
        el("span", { className: "badge", textContent: this.label(mo.status) }),
        mo.secret ? el("span", { className: "badge", textContent: t("Secret vote") }) : null,
        ` ${t("Votes cast")}: ${mo.votes_cast}`),
    ];
    if (mo.secret) body.push(el("p", { className: "muted", textContent: t("Secret ballot: nobody can see how you voted.") }));
    for (const seat of mine.may_vote_for) body.push(this.ballot(mo, seat, mine.my_choices[String(seat)]));
    if (this.error) body.push(el("p", { className: "error", attrs: { role: "alert" }, textContent: this.error }));
    body.push(el("p", { className: "actions" }, el("button", {
      type: "button", className: "vote-later", textContent: voted ? t("Close") : t("Later (Esc)"),
      onclick: () => this.postpone(),
    })));
    this.dialog.replaceChildren(...body);
    if (focusedChoice) {
      const again = this.dialog.querySelector(`button[data-choice="${CSS.escape(focusedChoice)}"]`);
      if (again) again.focus();
    }
  }

  ballot(mo, seat, choice) {
    const t = this.t;
    const box = el("div", { className: "vote", dataset: { member: seat } });
    if (seat !== this.me) box.append(el("small", { textContent: t("For the member you stand in for") }));
    const buttons = el("div", { className: "actions", attrs: { role: "group", "aria-label": mo.title } });
    for (const option of mo.options) {
      const chosen = !mo.secret && choice === option;
      buttons.append(el("button", {
        type: "button", textContent: this.label(option), dataset: { choice: option },
        className: chosen ? "chosen" : "", attrs: { "aria-pressed": String(chosen) },
        onclick: () => this.vote(mo, seat, option),
      }));
    }
    const voted = el("p", { className: "voted", attrs: { "aria-live": "polite" } });
    if (choice) voted.textContent = mo.secret ? t("You have voted") : `${t("You have voted")}: ${this.label(choice)}`;
    box.append(buttons, voted);
    return box;
  }

  async vote(mo, seat, option) {
    const key = `receipt:${mo.id}:${seat}`;
    const body = { choice: option, for_member_id: seat };
    if (mo.secret && sessionStorage.getItem(key)) body.receipt = sessionStorage.getItem(key);
    const resp = await fetch(`/api/motions/${mo.id}/votes`, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": this.csrf, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) {
      this.error = data.error ? data.error.message : resp.statusText;
      this.render();
      return;
    }
    this.error = "";
    if (data.receipt) sessionStorage.setItem(key, data.receipt);
    await this.onVoted();
  }
}
