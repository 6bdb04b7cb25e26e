// Numbers, dates and plurals in the rep's own locale; nothing here touches the network or the DOM.

export function money(amount, currency) {
  if (amount === null || amount === undefined || amount === "") return "—";
  const value = Number(amount);
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency, maximumFractionDigits: 0 }).format(value);
  } catch {
    return `${value.toLocaleString()} ${currency || ""}`.trim(); // unknown currency code
  }
}

export function day(isoDate) {
  if (!isoDate) return "—";
  // A CRM close date has no time zone: read it as a calendar day, not as UTC midnight.
  const [y, m, d] = isoDate.slice(0, 10).split("-").map(Number);
  return new Date(y, m - 1, d).toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
}

export function when(isoDateTime) {
  if (!isoDateTime) return "";
  const date = new Date(isoDateTime);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay
    ? date.toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" })
    : date.toLocaleDateString(undefined, { day: "numeric", month: "short" });
}

export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

export function names(people) {
  const list = people.map((p) => p.name || p.email);
  return list.length <= 2 ? list.join(" and ") : `${list.slice(0, -1).join(", ")} and ${list.at(-1)}`;
}

/** "today", "yesterday", else the calendar day, judged in the rep's own time zone (as Gmail cards do). */
export function relativeDay(isoDateTime) {
  if (!isoDateTime) return "—";
  const date = new Date(isoDateTime);
  const startOf = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((startOf(new Date()) - startOf(date)) / 86400000);
  if (days === 0) return "today";
  if (days === 1) return "yesterday";
  return date.toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
}

/** "today", "yesterday", "3 days ago" for a count of whole days. */
export function daysAgo(days) {
  if (days === null || days === undefined) return "—";
  return days <= 0 ? "today" : days === 1 ? "yesterday" : `${days} days ago`;
}

/** What a match says: "Nadia is Champion", "Nadia is on this deal", "Same account as Nadia". */
export function matchReason(match, person) {
  if (!match) return "";
  const who = (person && (person.name || person.email)) || match.contact;
  const first = who.split(" ")[0];
  if (match.reason === "stakeholder") return match.role ? `${first} is ${match.role}` : `${first} is on this deal`;
  return `Same account as ${first}`;
}
