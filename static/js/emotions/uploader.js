// What the upload and webcam pages share: checking a photo before it is sent, sending
// it, and showing the live result in place.

import { csrfHeaders } from "../csrf.js";
import { formatSize, readJson } from "./dom.js";
import { watchDetection } from "./live.js";
import { rememberPreview } from "./preview-store.js";
import { ResultView } from "./result.js";

// The formats the server's message names; it re-checks everything it is sent.
const TYPES = ["image/jpeg", "image/png", "image/webp"];
const EXTENSIONS = /\.(jpe?g|png|webp)$/i;

export function checkPhoto(file, maxMegabytes) {
  if (!file) return "Choose a photo to upload.";
  // Some systems give no type for a file; then its name has to do.
  const typeOk = file.type ? TYPES.includes(file.type) : EXTENSIONS.test(file.name || "");
  if (!typeOk) return `“${file.name}” is not a JPEG, PNG or WebP photo.`;
  if (file.size === 0) return "The file is empty.";
  if (file.size > maxMegabytes * 1024 * 1024) {
    return `The file is ${formatSize(file.size)}; the limit is ${maxMegabytes} MB.`;
  }
  return null;
}

/** POST the photo as the form would, asking for JSON. Resolves to {detection} or {error}. */
export async function sendPhoto(url, file) {
  const body = new FormData();
  body.append("image", file, file.name || "snapshot.jpg");
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: csrfHeaders({ Accept: "application/json" }),
    });
  } catch {
    return { error: "We could not reach FerMusic. Check your connection and try again." };
  }
  const isJson = (response.headers.get("Content-Type") || "").includes("application/json");
  const data = isJson ? await response.json().catch(() => null) : null;
  if (response.status === 202 && data?.id) return { detection: data };
  if (data?.detail) return { error: data.detail };
  // A signed-out session is redirected to the log-in page, which fetch follows.
  if (response.redirected) return { error: "You have been logged out. Log in again, then upload your photo." };
  if (response.status === 403) {
    return { error: "This page has expired. Reload it and try again; your photo was not uploaded." };
  }
  if (response.status === 400 || response.status === 413) {
    return { error: "The server refused this file. Check that it is a photo under the size limit." };
  }
  return { error: `The upload failed (error ${response.status}). Try again in a moment.` };
}

export const LOST_MESSAGES = {
  gone: "This result has been deleted, perhaps from another tab.",
  "signed-out": "You have been logged out. Log in again to see the result.",
};

/** The result area under an upload form: a ResultView that follows the detection live. */
export class InlineResult {
  constructor(area) {
    this.area = area;
    this.heading = area.querySelector("h2");
    this.link = area.querySelector("[data-result-link]");
    this.again = area.querySelector("[data-result-again]");
    this.watcher = null;
    this.view = new ResultView(area.querySelector("[data-result]"), {
      emotionStyle: readJson("emotion-style"),
      onChange: () => this.watcher?.resume(),
    });
  }

  onAgain(handler) {
    this.again.addEventListener("click", () => {
      this.close();
      handler();
    });
  }

  show(detection, { file, previewUrl }) {
    this.close();
    // Kept for the result page, which may open after the server has deleted the photo.
    rememberPreview(detection.id, file);
    this.view.setLocalPreview(previewUrl);
    this.view.update(detection, { announce: false });
    this.link.href = detection.url;
    this.area.hidden = false;
    this.heading.focus();
    this.view.announce(`Photo uploaded. ${this.view.statusSentence(detection)}`);
    this.watcher = watchDetection({
      id: detection.id,
      apiUrl: this.view.url("apiUrl", detection.id),
      current: () => this.view.detection,
      onUpdate: (update) => this.view.update(update),
      onConnection: (state) => this.view.setConnection(state),
      onLost: (reason) => this.view.showError(LOST_MESSAGES[reason]),
    });
  }

  close() {
    this.watcher?.stop();
    this.watcher = null;
    this.view.clear();
    this.area.hidden = true;
  }
}
