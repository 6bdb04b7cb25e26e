// The deal's recent inbound tone as a small inline SVG sparkline (oldest left), with a summary in words for
// screen readers and for anyone who can't tell the colours apart.

import { h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 112;
const HEIGHT = 32;
const PAD = 4;
const MOVE = 0.2; // a change of score smaller than this between the first and the last email is "steady"

/** The trend in words, e.g. "Buyer sentiment over the last 5 emails: falling, last negative"; null if empty. */
export function describeTrend(trend) {
  if (!trend.length) return null;
  const last = trend.at(-1);
  if (trend.length === 1) return `Buyer sentiment of the last email: ${last.label}`;
  return `Buyer sentiment over the last ${trend.length} emails: ${direction(trend)}, last ${last.label}`;
}

function direction(trend) {
  const delta = trend.at(-1).score - trend[0].score;
  return delta >= MOVE ? "rising" : delta <= -MOVE ? "falling" : "steady";
}

/** The sparkline of `trend` ([{sent_at, score, label}], oldest first), or "" when there is nothing to draw. */
export function sparkline(trend) {
  const points = (trend || []).filter((p) => typeof p.score === "number");
  const summary = describeTrend(points);
  if (!summary) return "";
  const step = points.length > 1 ? (WIDTH - 2 * PAD) / (points.length - 1) : 0;
  const xy = points.map((p, i) => [points.length > 1 ? PAD + i * step : WIDTH / 2, y(p.score)]);
  const svg = svgEl("svg", { class: "sparkline", role: "img", "aria-label": summary,
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: WIDTH, height: HEIGHT },
  svgEl("line", { class: "spark-zero", x1: 0, x2: WIDTH, y1: y(0), y2: y(0) }),
  svgEl("polyline", { class: "spark-line", points: xy.map(([px, py]) => `${px},${py}`).join(" ") }),
  ...xy.map(([px, py], i) => svgEl("circle", {
    class: `spark-dot spark-${points[i].label}`, cx: px, cy: py, r: i === xy.length - 1 ? 4 : 3 })));
  const words = points.length > 1 ? `${direction(points)} · last ${points.at(-1).label}` : points[0].label;
  return h("div", { class: "trend" },
    h("span", { class: "trend-title", "aria-hidden": "true" }, "Buyer tone"), svg,
    h("span", { class: "trend-words", "aria-hidden": "true" }, words));
}

function y(score) {
  const clamped = Math.max(-1, Math.min(1, score));
  return Number((HEIGHT / 2 - clamped * (HEIGHT / 2 - PAD)).toFixed(2));
}

function svgEl(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  el.append(...children);
  return el;
}
