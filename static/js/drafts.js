// Unsaved edits per deal, kept in memory: they survive the rep moving to another email and back, and keep
// the version the rep started from, so saving them later still finds out what moved in the meantime.

import { emit } from "./state.js";

const drafts = new Map(); // deal id -> {version, fields}

/** The rep's unsaved edits of the deal ({version, fields}), or null. */
export function draftOf(dealId) {
  return drafts.get(dealId) || null;
}

/** Record how the form differs from `deal`; no difference forgets the draft. */
export function keepDraft(deal, fields) {
  if (!Object.keys(fields).length) {
    drafts.delete(deal.id);
    return;
  }
  const started = drafts.get(deal.id);
  drafts.set(deal.id, { version: started ? started.version : deal.version, fields });
}

/** Forget the edits that were sent with these values (edits made since stay); `redraw` the deal's form. */
export function settleDraft(dealId, sent, redraw = true) {
  const draft = drafts.get(dealId);
  if (!draft) return;
  const left = Object.entries(draft.fields).filter(([field, value]) => sent[field] !== value);
  if (left.length) drafts.set(dealId, { ...draft, fields: Object.fromEntries(left) });
  else drafts.delete(dealId);
  if (redraw) emit("draft", dealId);
}

/** Make sent edits unsaved again (the CRM refused them), under any edits made since. */
export function restoreDraft(dealId, version, fields) {
  const since = drafts.get(dealId);
  drafts.set(dealId, { version, fields: { ...fields, ...(since ? since.fields : {}) } });
}

/** Throw the deal's unsaved edits away (the rep kept the other version) and redraw its form. */
export function dropDraft(dealId) {
  drafts.delete(dealId);
  emit("draft", dealId);
}
