// Signing the minutes with the key on the signer's own USB token (issue 18). The signing agent
// (python -m ecabinet.signer) runs on this computer and talks to the token; this page only
// carries messages between it and the server:
//   register: the agent's GET /certificate → POST /api/me/signing-certificate/device
//   sign:     POST /api/minutes/<id>/sign/device (the server prepares the revision and what to
//             sign) → the agent's POST /sign (the signer confirms there; the token signs) →
//             POST /api/signing/requests/<token>/signature (the server validates, then stores).
// The page never sees a key; a refusal anywhere leaves the minutes as they were.
import { api } from "./http.js";

const strings = JSON.parse(document.getElementById("token-strings").textContent);
const t = (text) => strings[text] || text;
const NO_AGENT = "The signing agent does not answer on this computer. Start it (python -m ecabinet.signer) with your token plugged in, then try again.";

async function agent(base, method, path, body) {
  let resp;
  try {
    resp = await fetch(base + path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (_) {
    const err = new Error(t(NO_AGENT));
    err.code = "agent_unreachable";
    throw err;
  }
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    const error = data.error || {};
    const err = new Error(error.code === "refused_by_signer"
      ? t("You did not confirm on the signing agent; nothing was signed.")
      : error.message || resp.statusText);
    err.code = error.code || "";
    throw err;
  }
  return data;
}

function wire(box, action, run) {
  if (!box) return;
  const button = box.querySelector(`[data-action=${action}]`);
  const status = box.querySelector(".status");
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.classList.remove("error");
    try {
      await run(box.dataset.agent, (text) => { status.textContent = text; });
    } catch (err) {
      status.textContent = err.message;
      status.classList.add("error");
      status.dataset.code = err.code || "";
      button.disabled = false;
    }
  });
}

wire(document.getElementById("sign-token"), "sign", async (base, say) => {
  const minutes = document.getElementById("sign-token").dataset.minutes;
  say(t("Preparing the signature…"));
  const request = await api("POST", `/api/minutes/${minutes}/sign/device`);
  say(t("Confirm on your signing agent: check the meeting, the document and the digest it shows."));
  const answer = await agent(base, "POST", "/sign", request);
  say(t("Checking the signature…"));
  await api("POST", `/api/signing/requests/${encodeURIComponent(request.token)}/signature`, {
    signature_base64: answer.signature_base64,
  });
  say(t("Signed."));
  location.assign(`/minutes/${minutes}/sign?notice=signed`);
});

wire(document.getElementById("use-token"), "register", async (base, say) => {
  const identity = await agent(base, "GET", "/certificate");
  await api("POST", "/api/me/signing-certificate/device", {
    certificate_pem: identity.certificate_pem, chain_pem: identity.chain_pem,
  });
  say(t("Your token's certificate is registered: you sign with it from now on."));
  location.reload();
});
