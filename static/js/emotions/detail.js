// The result page: the server rendered the detection; this keeps it live, shows this
// tab's copy of the photo when the server no longer has one, and handles the buttons.

import { enhanceConfirms, localizeTimes, readJson } from "./dom.js";
import { watchDetection } from "./live.js";
import { forgetPreview, recallPreview } from "./preview-store.js";
import { ResultView } from "./result.js";
import { LOST_MESSAGES } from "./uploader.js";

const detection = readJson("detection-data");
const view = new ResultView(document.querySelector("[data-result]"), { emotionStyle: readJson("emotion-style") });

const preview = recallPreview(detection.id);
if (preview) view.setLocalPreview(preview);
view.update(detection, { announce: false });

const watcher = watchDetection({
  id: detection.id,
  apiUrl: view.url("apiUrl", detection.id),
  current: () => view.detection,
  onUpdate: (update) => view.update(update),
  onConnection: (state) => view.setConnection(state),
  onLost: (reason) => view.showError(LOST_MESSAGES[reason]),
});
view.onChange = () => watcher.resume();

localizeTimes();
enhanceConfirms();
for (const form of document.querySelectorAll("[data-forget-preview]")) {
  form.addEventListener("submit", () => forgetPreview(form.dataset.forgetPreview));
}
