// Reads a JSON array of iCalendar documents on stdin and prints, for each, the UTC instants
// Mozilla's ical.js (the parser in Thunderbird) gives every VEVENT's DTSTART and DTEND:
// [[{"uid": ..., "start": "2026-07-01T08:00:00Z", "end": ...}, ...], ...].
// Each document's VTIMEZONE components are registered before its events are read, and
// forgotten after, so nothing but that document's own VTIMEZONE decides the offsets.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const documents = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const utc = (time) => time.toJSDate().toISOString().replace(".000Z", "Z");

const out = documents.map((text) => {
  ICAL.TimezoneService.reset();
  const root = new ICAL.Component(ICAL.parse(text));
  for (const vtz of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
  }
  return root.getAllSubcomponents("vevent").map((vevent) => {
    const ev = new ICAL.Event(vevent);
    return { uid: ev.uid, start: utc(ev.startDate), end: utc(ev.endDate), zone: ev.startDate.zone.tzid };
  });
});
process.stdout.write(JSON.stringify(out));
