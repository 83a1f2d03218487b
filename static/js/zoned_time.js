// Wall-clock times in a named IANA zone, for forms whose times are typed in the meeting's zone
// rather than the browser's. Exposes: zonedToIso, formatIn.

export function zonedToIso(local, zone) {
  // "2026-12-10T17:00" in `zone` → an ISO instant. Asks Intl for the zone's offset at that time.
  const guess = new Date(local + ":00Z");
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit",
  }).formatToParts(guess);
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  const shown = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"));
  return new Date(guess.getTime() - (shown - guess.getTime())).toISOString();
}

export function formatIn(iso, zone) {
  // An instant as "HH:MM" and "dd/mm/yyyy" in `zone`.
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit",
  }).formatToParts(new Date(iso));
  const get = (type) => parts.find((p) => p.type === type).value;
  return { time: `${get("hour")}:${get("minute")}`, date: `${get("day")}/${get("month")}/${get("year")}` };
}
