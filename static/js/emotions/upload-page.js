// The upload page: a drop zone over the file input, a preview, and an upload that
// shows its result on the same page. Without JavaScript the form posts as usual.

import { formatSize } from "./dom.js";
import { downscalePhoto } from "./downscale.js";
import { InlineResult, checkPhoto, sendPhoto } from "./uploader.js";

const form = document.querySelector("[data-upload-form]");
const uploadArea = document.querySelector("[data-upload-area]");
const input = form.elements.image;
const zone = form.querySelector("[data-dropzone]");
const prompt = form.querySelector("[data-dropzone-prompt]");
const preview = form.querySelector("[data-preview]");
const previewImage = form.querySelector("[data-preview-img]");
const fileName = form.querySelector("[data-file-name]");
const fileSize = form.querySelector("[data-file-size]");
const errorBox = form.querySelector("[data-error]");
const statusBox = form.querySelector("[data-upload-status]");
const submit = form.querySelector("[data-submit]");
const maxMegabytes = Number(form.dataset.maxMb);
const result = new InlineResult(document.querySelector("[data-result-area]"));

let chosen = null;
let previewUrl = null;
let uploading = false;

// The page reports problems itself, next to the drop zone, instead of the browser's bubble.
form.noValidate = true;

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = !message;
  input.setAttribute("aria-invalid", message ? "true" : "false");
}

function clearPreview() {
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = null;
  chosen = null;
  previewImage.removeAttribute("src");
  preview.hidden = true;
  prompt.hidden = false;
}

// Each choice gets a number, so a slow shrink of an earlier photo cannot overwrite a later one.
let choice = 0;

async function choose(file) {
  showError("");
  statusBox.textContent = "";
  const current = (choice += 1);
  // Type and emptiness first; the size is checked on what will be sent.
  const problem = checkPhoto(file, Number.POSITIVE_INFINITY);
  if (problem) {
    clearPreview();
    input.value = "";
    showError(problem);
    return;
  }
  clearPreview();
  statusBox.textContent = "Preparing your photo…";
  submit.setAttribute("aria-disabled", "true");
  const prepared = await downscalePhoto(file, maxMegabytes * 1024 * 1024);
  if (current !== choice) return;
  submit.setAttribute("aria-disabled", "false");
  const tooBig = checkPhoto(prepared.file, maxMegabytes);
  if (tooBig) {
    input.value = "";
    statusBox.textContent = "";
    showError(tooBig);
    return;
  }
  chosen = prepared.file;
  previewUrl = URL.createObjectURL(chosen);
  previewImage.src = previewUrl;
  fileName.textContent = file.name || "Pasted photo";
  fileSize.textContent = prepared.shrunk
    ? `(${formatSize(file.size)}, sent as ${prepared.width}×${prepared.height}, ${formatSize(chosen.size)})`
    : `(${formatSize(file.size)})`;
  prompt.hidden = true;
  preview.hidden = false;
  statusBox.textContent = `${file.name || "Photo"} is ready. Press “Analyse my photo” to upload it.`;
}

// Puts a dropped or pasted file into the input too, so that it is what the form holds.
function adopt(file) {
  try {
    const transfer = new DataTransfer();
    transfer.items.add(file);
    input.files = transfer.files;
  } catch {
    // Older browsers cannot set input.files; the page sends `chosen` itself anyway.
  }
  choose(file);
}

// The browser could not draw it, so neither could the server decode it.
previewImage.addEventListener("error", () => {
  if (!chosen) return;
  const name = chosen.name || "This file";
  clearPreview();
  input.value = "";
  statusBox.textContent = "";
  showError(`“${name}” could not be opened as a photo. It may be damaged or not an image.`);
});

input.addEventListener("change", () => choose(input.files[0]));
// A photo chosen before this script ran (on a slow connection) raised no event here.
if (input.files.length) choose(input.files[0]);
form.querySelector("[data-choose-again]").addEventListener("click", () => input.click());

// --- Drag and drop ---------------------------------------------------------------

const hasFiles = (event) => Array.from(event.dataTransfer?.types || []).includes("Files");
let dragDepth = 0;

zone.addEventListener("dragenter", (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  dragDepth += 1;
  zone.classList.add("is-dragging");
});
zone.addEventListener("dragover", (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = "copy";
});
zone.addEventListener("dragleave", () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (!dragDepth) zone.classList.remove("is-dragging");
});
zone.addEventListener("drop", (event) => {
  event.preventDefault();
  dragDepth = 0;
  zone.classList.remove("is-dragging");
  const files = event.dataTransfer.files;
  if (!files.length || uploading) return;
  adopt(files[0]);
  if (files.length > 1) statusBox.textContent = `Only one photo at a time: using ${files[0].name}.`;
});

// A photo dropped next to the zone would otherwise replace the page with the file.
for (const type of ["dragover", "drop"]) {
  window.addEventListener(type, (event) => {
    if (hasFiles(event) && !zone.contains(event.target)) event.preventDefault();
  });
}

document.addEventListener("paste", (event) => {
  if (uploading || uploadArea.hidden) return;
  const file = Array.from(event.clipboardData?.files || []).find((f) => f.type.startsWith("image/"));
  if (file) {
    event.preventDefault();
    adopt(file);
  }
});

// --- Upload ----------------------------------------------------------------------

function setUploading(active) {
  uploading = active;
  zone.setAttribute("aria-busy", String(active));
  submit.setAttribute("aria-disabled", String(active));
  submit.textContent = active ? "Uploading…" : "Analyse my photo";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (uploading || submit.getAttribute("aria-disabled") === "true") return;
  const problem = checkPhoto(chosen, maxMegabytes);
  if (problem) {
    showError(problem);
    input.focus();
    return;
  }
  showError("");
  setUploading(true);
  statusBox.textContent = "Uploading your photo…";
  const outcome = await sendPhoto(form.action, chosen);
  setUploading(false);
  if (outcome.error) {
    statusBox.textContent = "";
    showError(outcome.error);
    input.focus();
    return;
  }
  statusBox.textContent = "";
  uploadArea.hidden = true;
  result.show(outcome.detection, { file: chosen, previewUrl });
});

result.onAgain(() => {
  clearPreview();
  form.reset();
  showError("");
  statusBox.textContent = "";
  uploadArea.hidden = false;
  input.focus();
});
