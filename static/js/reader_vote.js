// The opened vote over the document reader (vote_dialog.js): a voter reading a document of the
// meeting — in a tab beside the room, or on a tablet without the room — gets the same dialog as
// in the room. The reader hears of session changes where reader_follow.js listens: from the room
// page of the same browser over the BroadcastChannel "ecabinet-room-<meeting>" (room_session.js
// relays each `session` message's version), or else from the meeting's session socket that
// reader_follow.js opens (re-dispatched as the DOM event "ecabinet:session-feed"). At each
// change it fetches its own view of the session (GET /api/meetings/<id>/session: the open vote,
// the seats this viewer votes for, the own choices). No socket of its own.
import { VoteDialog } from "./vote_dialog.js";

const root = document.getElementById("reader");
const meetingId = root ? Number(root.dataset.meeting) : 0;
const strings = document.getElementById("vote-strings");

if (meetingId && strings) {
  const S = JSON.parse(strings.textContent);
  const t = (text) => S[text] || text;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const state = { loads: 0, version: -1 };
  window.ecabinetReaderVote = state; // read-only by convention (tests and the curious)
  let loading = null;
  let again = false;

  async function load() {
    if (loading) { again = true; return loading; }
    loading = (async () => {
      do {
        again = false;
        const resp = await fetch(`/api/meetings/${meetingId}/session`, { credentials: "same-origin" });
        if (!resp.ok) return;
        const snapshot = await resp.json();
        dialog.me = snapshot.you ? snapshot.you.participant_id : null;
        const open = (snapshot.motions || []).find((m) => m.status === "open") || null;
        dialog.update(open, open); // the viewer's own motion view carries may_vote_for, my_choices
        state.version = snapshot.version;
        state.loads += 1;
      } while (again);
    })().finally(() => { loading = null; });
    return loading;
  }

  const dialog = new VoteDialog({ t, me: null, csrf, onVoted: load });
  const changed = (version) => { if (version === undefined || version !== state.version) load(); };
  document.addEventListener("ecabinet:session-feed", (event) => changed(event.detail.version));
  if ("BroadcastChannel" in window) {
    const channel = new BroadcastChannel(`ecabinet-room-${meetingId}`);
    channel.addEventListener("message", (event) => {
      const m = event.data || {};
      if (m.type === "session") changed(m.version);
    });
  }
  load();
}
