// The history page: the emotions-over-time chart, local times, and the delete
// confirmations. The table under the chart carries the same numbers for screen
// readers and for browsers without JavaScript.

import { enhanceConfirms, localizeTimes, readJson } from "./dom.js";
import { forgetAllPreviews, forgetPreview } from "./preview-store.js";
import { renderTimeline } from "./timeline-chart.js";

const timeline = readJson("timeline-data");
const chart = document.querySelector("[data-chart]");
if (timeline && chart) {
  renderTimeline(chart, timeline, readJson("emotion-style"));
  // The table starts open for browsers without JavaScript; with the chart drawn it
  // folds away, one click from anyone who wants the numbers.
  const table = document.querySelector("[data-chart-table]");
  if (table) table.open = false;
}

localizeTimes();
enhanceConfirms();
for (const form of document.querySelectorAll("[data-forget-preview]")) {
  form.addEventListener("submit", () => {
    const id = form.dataset.forgetPreview;
    if (id === "all") forgetAllPreviews();
    else forgetPreview(id);
  });
}
