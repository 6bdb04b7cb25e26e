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
