// The open email's tone, read before the rep rates it: the body from Office.js, scored once per email by
// POST /sentiment (kept per item for the session, never logged), shown as a word and a colour, its score and
// the words that moved it; the 👍/👎 buttons then read "Agree" / "Disagree" with it.

import { h, replace } from "./dom.js";
import { state } from "./state.js";

const TEXT_MAX_CHARS = 20000; // the server scores at most this much; the buyer's own words come first anyway
const SUBJECT_MAX_CHARS = 998;
const TERMS_SHOWN = 5;
export const TONES = { positive: "Positive", negative: "Negative", neutral: "Neutral" };
const ICONS = { positive: "▲", negative: "▼", neutral: "●" }; // a shape as well as a colour
const OPPOSITE = { positive: "negative", negative: "positive" };
const readings = new Map(); // email -> {kind: "loading" | "ready" | "failed", sentiment, waiting}

/** The reading of `message`, started on first ask; `onSettled` is called once when a loading one settles. */
export function readingOf(message, onSettled) {
  const key = message.messageId || message.itemId || message.item;
  let entry = readings.get(key);
  if (!entry) {
    entry = { kind: "loading", sentiment: null, waiting: new Set() };
    readings.set(key, entry);
    read(message).then(
      (sentiment) => settle(entry, "ready", sentiment),
      () => {
        readings.delete(key); // a failure is not kept: the next view of this email tries again
        settle(entry, "failed", null);
      });
  }
  if (entry.kind === "loading" && onSettled) entry.waiting.add(onSettled);
  return entry;
}

function settle(entry, kind, sentiment) {
  Object.assign(entry, { kind, sentiment });
  for (const fn of entry.waiting) fn(entry);
  entry.waiting.clear();
}

async function read(message) {
  const text = (await state.mailbox.readBody(message)).slice(0, TEXT_MAX_CHARS);
  const answer = await state.api.read("/sentiment", { text, subject: (message.subject || "").slice(0, SUBJECT_MAX_CHARS) });
  if (!answer || !TONES[answer.label] || typeof answer.score !== "number") throw new Error("Unexpected answer.");
  return { ...answer, terms: Array.isArray(answer.terms) ? answer.terms : [] };
}

/** Fill `el` (a live region kept across re-renders) with the reading; unchanged readings are not redrawn. */
export function showReading(el, entry) {
  if (el.dataset.kind === entry.kind) return el;
  el.dataset.kind = entry.kind;
  if (entry.kind === "loading") {
    return replace(el, h("p", { class: "reading-note" }, h("span", { class: "spinner", "aria-hidden": "true" }),
      "Reading the tone of this email…"));
  }
  if (entry.kind === "failed") {
    return replace(el, h("p", { class: "reading-note" }, "Couldn't read the tone of this email. You can still rate it."));
  }
  const { label, score, terms } = entry.sentiment;
  return replace(el,
    h("p", { class: "reading-head" }, h("span", { class: "reading-title" }, "Tone"), tonePill(label),
      h("span", { class: "reading-score" }, `score ${signed(score)}`)),
    terms.length ? h("div", { class: "reading-why" }, h("span", { class: "reading-title", id: `${el.id}-why` }, "Why"),
      h("ul", { class: "terms", "aria-labelledby": `${el.id}-why` }, terms.slice(0, TERMS_SHOWN).map(termChip))) : "");
}

/** A tone as a word with a shape and a colour, e.g. "▼ Negative"; `small` for lists. */
export function tonePill(label, small = false) {
  const tone = TONES[label] ? label : "neutral";
  return h("span", { class: `tone tone-${tone}${small ? " tone-small" : ""}` },
    h("span", { "aria-hidden": "true" }, ICONS[tone]), TONES[tone]);
}

function termChip({ term, weight }) {
  const direction = weight < 0 ? "down" : "up";
  return h("li", { class: `term term-${direction}` }, term,
    h("span", { class: "term-weight" }, h("span", { class: "sr-only" }, weight < 0 ? " pulls down " : " pulls up "),
      signed(weight)));
}

function signed(value) {
  const fixed = Math.abs(value).toFixed(2);
  return value > 0 ? `+${fixed}` : value < 0 ? `−${fixed}` : fixed;
}

/** The two rating buttons: "Agree" / "Disagree" with a positive or negative reading, else 👍 / 👎 as before. */
export function ratingChoices(entry) {
  const label = entry && entry.kind === "ready" ? entry.sentiment.label : null;
  if (!OPPOSITE[label]) {
    return [{ rating: "positive", emoji: "👍", text: "Positive" }, { rating: "negative", emoji: "👎", text: "Negative" }];
  }
  // Agreeing with a negative reading rates the email negative: the rating stays what the rep means.
  return [
    { rating: label, emoji: "👍", text: "Agree", hint: ` (rate it ${label})` },
    { rating: OPPOSITE[label], emoji: "👎", text: "Disagree", hint: ` (rate it ${OPPOSITE[label]})` },
  ];
}
