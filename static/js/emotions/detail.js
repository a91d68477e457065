// The result page: the server rendered the detection; this keeps it live (with its
// playlist, from the server's fragment), shows this tab's copy of the photo when the
// server no longer has one, and handles the buttons.

import { enhanceConfirms, localizeTimes, readJson } from "./dom.js";
import { forgetPreview, recallPreview } from "./preview-store.js";
import { LiveResult } from "./result-live.js";

const detection = readJson("detection-data");
const result = new LiveResult(document.querySelector("[data-result-live]"));
result.follow(detection, { localPreview: recallPreview(detection.id), rendered: true });

localizeTimes();
enhanceConfirms();
for (const form of document.querySelectorAll("[data-forget-preview]")) {
  form.addEventListener("submit", () => forgetPreview(form.dataset.forgetPreview));
}
