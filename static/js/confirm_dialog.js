// An in-page confirmation instead of the browser's confirm(): a modal <dialog> (templates/
// _confirm_dialog.html, its "Cancel" translated by the page) with the question and the act's own
// label on the confirming button. The focus starts on "Cancel" (the safe choice); Escape cancels.
// window.ecabinetConfirm(question, okLabel) → Promise<boolean>.
"use strict";

(() => {
  const dialog = document.getElementById("confirm-dialog");
  if (!dialog) return;
  const ok = document.getElementById("confirm-dialog-ok");
  const cancel = document.getElementById("confirm-dialog-cancel");
  let settle = null;

  function done(answer) {
    if (dialog.open) dialog.close();
    if (settle) settle(answer);
    settle = null;
  }
  ok.addEventListener("click", () => done(true));
  cancel.addEventListener("click", () => done(false));
  dialog.addEventListener("cancel", (e) => { e.preventDefault(); done(false); });

  window.ecabinetConfirm = (question, okLabel) => {
    if (settle) done(false);
    document.getElementById("confirm-dialog-text").textContent = question;
    ok.textContent = okLabel;
    dialog.showModal();
    cancel.focus();
    return new Promise((resolve) => { settle = resolve; });
  };
})();
