// The webcam page: camera preview → snapshot on a canvas → JPEG → the same upload as
// the upload page, with the result shown in place. The camera is on only between
// "Start camera" and the snapshot (or leaving the page).

import { cameraProblem } from "./camera.js";
import { InlineResult, checkPhoto, sendPhoto } from "./uploader.js";

const card = document.querySelector("[data-camera]");
const uploadArea = document.querySelector("[data-upload-area]");
const video = card.querySelector("[data-video]");
const snapshot = card.querySelector("[data-snapshot]");
const cameraOff = card.querySelector("[data-camera-off]");
const cameraOffText = card.querySelector("[data-camera-off-text]");
const problemBox = card.querySelector("[data-camera-problem]");
const problemTitle = card.querySelector("[data-problem-title]");
const problemText = card.querySelector("[data-problem-text]");
const statusBox = card.querySelector("[data-upload-status]");
const startButton = card.querySelector("[data-camera-start]");
const snapButton = card.querySelector("[data-camera-snap]");
const stopButton = card.querySelector("[data-camera-stop]");
const fallback = document.querySelector("[data-camera-fallback]");
const fallbackForm = document.querySelector("[data-fallback-form]");
const fallbackError = document.querySelector("[data-fallback-error]");
const uploadUrl = card.dataset.uploadUrl;
const maxMegabytes = Number(card.dataset.maxMb);
const result = new InlineResult(document.querySelector("[data-result-area]"));

const JPEG_QUALITY = 0.92;

let stream = null;
let snapshotUrl = null;
let busy = false;

const PROBLEMS = {
  insecure: [
    "The camera needs a secure connection",
    "Browsers only allow the camera on https:// pages (or on localhost). Open FerMusic over HTTPS, or take or upload a photo below.",
  ],
  unsupported: [
    "This browser cannot use the camera here",
    "It does not support camera access for web pages. Take or upload a photo below instead.",
  ],
  absent: ["No camera found", "Connect a camera and press “Start camera” again, or take or upload a photo below."],
  denied: [
    "Camera access is blocked",
    "The browser was told not to let FerMusic use the camera. Allow it in the site settings (usually the camera or lock icon in the address bar), then press “Start camera” again.",
  ],
  busy: ["The camera is busy", "Another app or tab may be using it. Close that, then press “Start camera” again."],
  ended: ["The camera stopped", "It was disconnected or turned off. Press “Start camera” to try again."],
  failed: ["The camera could not start", "Press “Start camera” to try again, or take or upload a photo below."],
};

function showProblem(kind) {
  if (!kind) {
    problemBox.hidden = true;
    return;
  }
  const [title, text] = PROBLEMS[kind];
  problemTitle.textContent = title;
  problemText.textContent = text;
  problemBox.hidden = false;
  fallback.classList.add("is-shown");
}

function problemFor(error) {
  switch (error?.name) {
    case "NotAllowedError":
    case "SecurityError":
      return "denied";
    case "NotFoundError":
    case "OverconstrainedError":
      return "absent";
    case "NotReadableError":
    case "AbortError":
      return "busy";
    default:
      return "failed";
  }
}

function setMode(mode) {
  // off: nothing shown; live: camera preview; shot: the snapshot being uploaded.
  video.hidden = mode !== "live";
  snapshot.hidden = mode !== "shot";
  cameraOff.hidden = mode !== "off";
  startButton.hidden = mode === "live";
  snapButton.hidden = mode !== "live";
  stopButton.hidden = mode !== "live";
}

function stopCamera() {
  if (stream) {
    for (const track of stream.getTracks()) track.stop();
  }
  stream = null;
  video.srcObject = null;
}

async function startCamera() {
  if (busy) return;
  showProblem(null);
  statusBox.textContent = "Starting the camera…";
  startButton.setAttribute("aria-disabled", "true");
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 960 } },
      audio: false,
    });
    for (const track of stream.getVideoTracks()) {
      track.addEventListener("ended", () => {
        stopCamera();
        setMode("off");
        showProblem("ended");
      });
    }
    video.srcObject = stream;
    await video.play();
    setMode("live");
    statusBox.textContent = "The camera is on. Press “Take snapshot” when you are ready.";
    snapButton.focus();
  } catch (error) {
    stopCamera();
    setMode("off");
    statusBox.textContent = "";
    showProblem(problemFor(error));
    startButton.focus();
  } finally {
    startButton.removeAttribute("aria-disabled");
  }
}

function capture() {
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const context = canvas.getContext("2d");
  // The preview is mirrored like a mirror; the snapshot is too, so the photo that is
  // analysed and shown with its face boxes is the picture the person saw.
  context.translate(canvas.width, 0);
  context.scale(-1, 1);
  context.drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY));
}

async function upload(file, previewUrl) {
  busy = true;
  statusBox.textContent = "Uploading your photo…";
  const outcome = await sendPhoto(uploadUrl, file);
  busy = false;
  statusBox.textContent = "";
  if (outcome.error) return outcome.error;
  uploadArea.hidden = true;
  result.show(outcome.detection, { file, previewUrl });
  return null;
}

async function takeSnapshot() {
  if (busy || !stream || !video.videoWidth) return;
  const blob = await capture();
  stopCamera();
  if (!blob) {
    setMode("off");
    showProblem("failed");
    return;
  }
  if (snapshotUrl) URL.revokeObjectURL(snapshotUrl);
  snapshotUrl = URL.createObjectURL(blob);
  snapshot.src = snapshotUrl;
  setMode("shot");
  startButton.textContent = "Take another snapshot";
  const error = await upload(new File([blob], "snapshot.jpg", { type: "image/jpeg" }), snapshotUrl);
  if (error) {
    problemTitle.textContent = "The snapshot was not uploaded";
    problemText.textContent = error;
    problemBox.hidden = false;
    startButton.focus();
  }
}

startButton.addEventListener("click", startCamera);
snapButton.addEventListener("click", takeSnapshot);
stopButton.addEventListener("click", () => {
  stopCamera();
  setMode("off");
  statusBox.textContent = "The camera is off.";
  startButton.focus();
});
// Leaving the page, or putting it in the back/forward cache, turns the camera off.
window.addEventListener("pagehide", () => {
  stopCamera();
  setMode(snapshot.hidden ? "off" : "shot");
});

function showFallbackError(message) {
  fallbackError.textContent = message;
  fallbackError.hidden = !message;
  fallbackForm.elements.image.setAttribute("aria-invalid", message ? "true" : "false");
}

fallbackForm.noValidate = true;
fallbackForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (busy) return;
  const field = fallbackForm.elements.image;
  const file = field.files[0];
  const problem = checkPhoto(file, maxMegabytes);
  showFallbackError(problem || "");
  if (problem) {
    field.focus();
    return;
  }
  stopCamera();
  setMode("off");
  const url = URL.createObjectURL(file);
  const error = await upload(file, url);
  if (error) {
    URL.revokeObjectURL(url);
    showFallbackError(error);
    field.focus();
  }
});

result.onAgain(() => {
  uploadArea.hidden = false;
  fallbackForm.reset();
  setMode("off");
  startCamera();
});

cameraProblem().then((kind) => {
  // A camera started in the meantime has answered the question already.
  if (!kind || stream) return;
  showProblem(kind);
  if (kind === "insecure" || kind === "unsupported") {
    startButton.hidden = true;
    cameraOffText.textContent = "The camera cannot be used on this page.";
  }
});
