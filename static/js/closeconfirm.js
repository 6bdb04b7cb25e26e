// Moving a deal to a closed stage (won or lost) asks first, with an optional reason; the reason becomes
// the next step, where the CRM keeps it on the deal ("Closed lost: chose a competitor").

import { h, uid } from "./dom.js";

/** The confirmation box; `onConfirm(reason)` saves, `onCancel()` goes back to the form unchanged. */
export function closeConfirm(stage, max, onConfirm, onCancel) {
  const id = uid("close-reason");
  const reason = h("textarea", { id, name: "close_reason", rows: 2, maxLength: Math.max(0, max - stage.label.length - 2) });
  const box = h("section", { class: "close-confirm", role: "alertdialog", "aria-labelledby": `${id}-title` },
    h("h3", { id: `${id}-title`, class: "section-title" }, `Move this deal to ${stage.label}?`),
    h("p", { class: "muted" }, stage.is_won ? "It leaves your open pipeline as won." : "It leaves your open pipeline as lost."),
    h("label", { for: id }, "Reason (optional)"), reason,
    h("div", { class: "form-actions" },
      h("button", { type: "button", class: "button primary", onclick: () => onConfirm(reason.value.trim()) },
        `Yes, ${stage.label.toLowerCase()}`),
      h("button", { type: "button", class: "button", onclick: onCancel }, "Cancel")));
  queueMicrotask(() => reason.focus());
  return box;
}
