// What the upload and webcam pages share: checking a photo before it is sent, sending
// it, and showing the live result in place.

import { csrfHeaders } from "../csrf.js";
import { formatSize } from "./dom.js";
import { rememberPreview } from "./preview-store.js";
import { announce } from "../fragment.js";
import { LiveResult } from "./result-live.js";

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

/** The result area under an upload form: the result and its playlist, followed live. */
export class InlineResult {
  constructor(area) {
    this.area = area;
    this.heading = area.querySelector("h2");
    this.link = area.querySelector("[data-result-link]");
    this.again = area.querySelector("[data-result-again]");
    this.result = new LiveResult(area.querySelector("[data-result-live]"));
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
    this.link.href = detection.url;
    this.area.hidden = false;
    this.heading.focus();
    announce(this.result.announcer, "Photo uploaded. Your result and its music appear below.");
    this.result.follow(detection, { localPreview: previewUrl });
  }

  close() {
    this.result.clear();
    this.area.hidden = true;
  }
}
