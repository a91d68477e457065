// Live mode: camera → a 320-pixel JPEG per frame → binary message on /ws/live/ →
// faces and a smoothed mood back (the protocol is described in emotions/live/consumers.py).
//
// The rate adapts to the server: a frame is sent only while fewer than max_in_flight
// frames are unanswered, and never faster than max_fps. Frames exist only in memory,
// here and on the server.

import { socketUrl } from "../socket.js";
import { cameraProblem } from "./camera.js";
import { h, percent, readJson, svg } from "./dom.js";

const FRAME_WIDTH = 320;
const JPEG_QUALITY = 0.7;
const TREND_SECONDS = 30;
const FPS_WINDOW_MS = 3000;
const LATENCY_SAMPLES = 30;
const BACKOFF_START_MS = 1000;
const BACKOFF_MAX_MS = 15000;
const MAX_CHANGES_SHOWN = 5;
// After the server says it cannot queue frames (its broker is down), wait this long.
const UNAVAILABLE_PAUSE_MS = 3000;
// The consumer closes with this code when the session is not signed in.
const CLOSE_UNAUTHENTICATED = 4401;
// ... and with this one when the user does not consent to face analysis.
const CLOSE_NO_CONSENT = 4403;

const root = document.querySelector("[data-live]");
const video = root.querySelector("[data-video]");
const boxes = root.querySelector("[data-boxes]");
const cameraOff = root.querySelector("[data-camera-off]");
const cameraOffText = root.querySelector("[data-camera-off-text]");
const problemBox = root.querySelector("[data-problem]");
const problemTitle = root.querySelector("[data-problem-title]");
const problemText = root.querySelector("[data-problem-text]");
const statusBox = root.querySelector("[data-status]");
const startButton = root.querySelector("[data-start]");
const stopButton = root.querySelector("[data-stop]");
const stats = {
  status: root.querySelector("[data-stat-status]"),
  fps: root.querySelector("[data-stat-fps]"),
  latency: root.querySelector("[data-stat-latency]"),
  dropped: root.querySelector("[data-stat-dropped]"),
};
const moodEmoji = root.querySelector("[data-mood-emoji]");
const moodLabel = root.querySelector("[data-mood-label]");
const moodBars = root.querySelector("[data-mood-bars]");
const trend = root.querySelector("[data-trend]");
const changeText = root.querySelector("[data-change-text]");
const changes = root.querySelector("[data-changes]");
const emotionStyle = readJson("emotion-style");

const PROBLEMS = {
  "no-consent": [
    "Live mode needs your consent",
    "A face is biometric data: FerMusic analyses it only with your consent. Give it on your profile page, then start live mode again.",
  ],
  insecure: [
    "The camera needs a secure connection",
    "Browsers only allow the camera on https:// pages (or on localhost). Open FerMusic over HTTPS to use live mode.",
  ],
  unsupported: [
    "This browser cannot use live mode",
    "It does not support camera access or WebSockets for web pages. Try a current version of Firefox, Chrome, Edge or Safari.",
  ],
  absent: ["No camera found", "Connect a camera and press “Start live mode” again."],
  denied: [
    "Camera access is blocked",
    "The browser was told not to let FerMusic use the camera. Allow it in the site settings (usually the camera or lock icon in the address bar), then press “Start live mode” again.",
  ],
  busy: [
    "The camera is busy",
    "Another app or tab may be using it. Close that, then press “Start live mode” again.",
  ],
  ended: ["The camera stopped", "It was disconnected or turned off. Press “Start live mode” to try again."],
  failed: ["The camera could not start", "Press “Start live mode” to try again."],
  "signed-out": ["You are signed out", "Log in again, then come back to this page to restart live mode."],
};

const canvas = document.createElement("canvas");
const context = canvas.getContext("2d");

let stream = null;
let running = false;
let starting = false;
let socket = null;
let config = { max_fps: 10, max_in_flight: 1, max_frame_bytes: 256 * 1024 };
let failures = 0;
let reconnectTimer = null;
let pumpTimer = null;
let encoding = false;

// Per connection: frames are numbered 1, 2, … in sending order, as the server counts them.
let sent = 0;
let sentAt = new Map();
let lastSentAt = 0;
let pausedUntil = 0;

const resultTimes = [];
const latencies = [];
const trendPoints = [];

// --- Camera ---------------------------------------------------------------------------

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

function showProblem(kind) {
  if (!kind) {
    problemBox.hidden = true;
    return;
  }
  const [title, text] = PROBLEMS[kind];
  problemTitle.textContent = title;
  problemText.textContent = text;
  problemBox.hidden = false;
}

function setRunning(on) {
  running = on;
  video.hidden = !on;
  boxes.hidden = !on;
  cameraOff.hidden = on;
  startButton.hidden = on;
  stopButton.hidden = !on;
}

function stopCamera() {
  if (stream) {
    for (const track of stream.getTracks()) track.stop();
  }
  stream = null;
  video.srcObject = null;
}

async function start() {
  if (running || starting) return;
  starting = true;
  showProblem(null);
  statusBox.textContent = "Starting the camera…";
  startButton.setAttribute("aria-disabled", "true");
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } },
      audio: false,
    });
    for (const track of stream.getVideoTracks()) {
      track.addEventListener("ended", () => {
        stop();
        showProblem("ended");
      });
    }
    video.srcObject = stream;
    await video.play();
  } catch (error) {
    stopCamera();
    statusBox.textContent = "";
    showProblem(problemFor(error));
    startButton.focus();
    return;
  } finally {
    starting = false;
    startButton.removeAttribute("aria-disabled");
  }
  setRunning(true);
  stopButton.focus();
  failures = 0;
  connect();
}

function stop(message = "Live mode is off.") {
  setRunning(false);
  stopCamera();
  disconnect();
  window.clearTimeout(reconnectTimer);
  reconnectTimer = null;
  setStatus("Off");
  statusBox.textContent = message;
  boxes.replaceChildren();
}

// --- Socket ---------------------------------------------------------------------------

function setStatus(text) {
  stats.status.textContent = text;
}

function resetConnectionCounters() {
  sent = 0;
  sentAt = new Map();
  lastSentAt = 0;
  pausedUntil = 0;
  encoding = false;
}

function connect() {
  if (!running || socket) return;
  resetConnectionCounters();
  setStatus("Connecting");
  statusBox.textContent = "Connecting to FerMusic…";
  const ws = new WebSocket(socketUrl("/ws/live/"));
  ws.binaryType = "arraybuffer";
  socket = ws;
  ws.addEventListener("message", (event) => {
    if (socket !== ws || typeof event.data !== "string") return;
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    handle(message);
  });
  ws.addEventListener("close", (event) => {
    // A socket this module closed on purpose has already been let go.
    if (socket !== ws) return;
    socket = null;
    if (!running) return;
    if (event.code === CLOSE_UNAUTHENTICATED) {
      stop("");
      showProblem("signed-out");
      return;
    }
    if (event.code === CLOSE_NO_CONSENT) {
      stop("");
      showProblem("no-consent");
      return;
    }
    scheduleReconnect();
  });
}

function disconnect() {
  window.clearTimeout(pumpTimer);
  pumpTimer = null;
  if (socket) {
    const closing = socket;
    socket = null;
    closing.close(1000);
  }
}

function scheduleReconnect() {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** failures);
  failures += 1;
  setStatus("Reconnecting");
  statusBox.textContent = "The connection to FerMusic was lost. Reconnecting…";
  // Jitter spreads out the reconnects of many tabs after a server restart.
  reconnectTimer = window.setTimeout(() => {
    reconnectTimer = null;
    connect();
  }, base / 2 + Math.random() * (base / 2));
}

function handle(message) {
  switch (message.type) {
    case "ready":
      config = message;
      failures = 0;
      setStatus("Live");
      statusBox.textContent = "Live mode is on. Look at the camera.";
      pump();
      return;
    case "result":
      answered(message.seq);
      showResult(message);
      break;
    case "dropped":
      answered(message.seq);
      stats.dropped.textContent = String(message.dropped);
      break;
    case "error":
      if (message.seq !== null) answered(message.seq);
      if (message.code === "unavailable") pausedUntil = performance.now() + UNAVAILABLE_PAUSE_MS;
      statusBox.textContent = message.message;
      break;
    case "emotion_changed":
      moodChanged(message);
      return;
    default:
      return;
  }
  pump();
}

function answered(seq) {
  const at = sentAt.get(seq);
  if (at === undefined) return;
  sentAt.delete(seq);
  latencies.push(performance.now() - at);
  if (latencies.length > LATENCY_SAMPLES) latencies.shift();
}

// --- Sending frames -------------------------------------------------------------------

function pump() {
  if (!running || !socket || socket.readyState !== WebSocket.OPEN || encoding || pumpTimer !== null) return;
  if (sentAt.size >= config.max_in_flight || !video.videoWidth) return;
  const wait = Math.max(lastSentAt + 1000 / config.max_fps, pausedUntil) - performance.now();
  if (wait > 0) {
    pumpTimer = window.setTimeout(() => {
      pumpTimer = null;
      pump();
    }, wait);
    return;
  }
  sendFrame();
}

async function sendFrame() {
  encoding = true;
  const ws = socket;
  canvas.width = FRAME_WIDTH;
  canvas.height = Math.round((FRAME_WIDTH * video.videoHeight) / video.videoWidth);
  // Drawn mirrored, like the preview, so the boxes that come back line up with what
  // the person sees.
  context.setTransform(-1, 0, 0, 1, canvas.width, 0);
  context.drawImage(video, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY));
  encoding = false;
  if (!blob || ws !== socket || ws.readyState !== WebSocket.OPEN) return;
  if (blob.size > config.max_frame_bytes) {
    statusBox.textContent = "The camera picture is too large to send.";
    return;
  }
  sent += 1;
  lastSentAt = performance.now();
  sentAt.set(sent, lastSentAt);
  ws.send(blob);
  pump();
}

// --- Showing results ------------------------------------------------------------------

const styleOf = (emotion) => emotionStyle[emotion] || { emoji: "", colour: "#556270", label: emotion };

function showResult(message) {
  const now = performance.now();
  resultTimes.push(now);
  while (resultTimes.length && now - resultTimes[0] > FPS_WINDOW_MS) resultTimes.shift();
  stats.fps.textContent = (resultTimes.length / (FPS_WINDOW_MS / 1000)).toFixed(1);
  const sorted = [...latencies].sort((a, b) => a - b);
  if (sorted.length) stats.latency.textContent = `${Math.round(sorted[Math.floor(sorted.length / 2)])} ms`;
  stats.dropped.textContent = String(message.dropped);
  drawBoxes(message);
  if (message.smoothed.emotion) {
    showMood(message.smoothed);
    trendPoints.push({ at: now, emotion: message.smoothed.emotion, p: message.smoothed.probabilities[message.smoothed.emotion] });
  }
  drawTrend(now);
}

function drawBoxes({ width, height, faces }) {
  boxes.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const font = Math.max(10, Math.round(width / 28));
  boxes.replaceChildren(
    ...faces.map((face) => {
      const [x, y, w, hgt] = face.box;
      const style = styleOf(face.emotion);
      const label = face.uncertain ? "Not sure" : `${style.emoji} ${style.label} ${percent(face.confidence)}%`;
      const tagHeight = font * 1.6;
      const tagY = y >= tagHeight ? y - tagHeight : y + hgt;
      return svg(
        "g",
        { class: `face-box${face.uncertain ? " is-uncertain" : ""}`, style: { "--emotion": style.colour } },
        svg("rect", { class: "face-box-halo", x, y, width: w, height: hgt }),
        svg("rect", { class: "face-box-line", x, y, width: w, height: hgt }),
        svg("rect", { class: "face-box-tag", x, y: tagY, width: Math.max(w, font * 7), height: tagHeight }),
        svg("text", { class: "face-box-label", x: x + font * 0.4, y: tagY + tagHeight / 2, "font-size": font, text: label }),
      );
    }),
  );
}

function showMood(smoothed) {
  const style = styleOf(smoothed.emotion);
  moodEmoji.textContent = style.emoji;
  moodLabel.textContent = style.label;
  moodBars.replaceChildren(
    ...Object.entries(smoothed.probabilities).map(([emotion, probability]) => {
      const s = styleOf(emotion);
      const value = percent(probability);
      return h(
        "li",
        { class: `prob${emotion === smoothed.emotion ? " is-top" : ""}`, style: { "--emotion": s.colour, "--p": `${value}%` } },
        h("span", { class: "prob-label" }, h("span", { class: "prob-emoji", "aria-hidden": "true", text: s.emoji }), ` ${s.label}`),
        h("span", { class: "prob-track", "aria-hidden": "true" }, h("span", { class: "prob-fill" })),
        h("span", { class: "prob-value", text: `${value}%` }),
      );
    }),
  );
}

function drawTrend(now) {
  const since = now - TREND_SECONDS * 1000;
  while (trendPoints.length && trendPoints[0].at < since) trendPoints.shift();
  // One bar per result: its colour is the smoothed emotion, its height how sure the trend is.
  const scale = 300 / (TREND_SECONDS * 1000);
  trend.replaceChildren(
    ...trendPoints.map((point, i) => {
      const next = trendPoints[i + 1]?.at ?? now;
      const x = (point.at - since) * scale;
      return svg("rect", {
        x,
        y: 40 - 40 * point.p,
        width: Math.max(1, (next - point.at) * scale),
        height: 40 * point.p,
        fill: styleOf(point.emotion).colour,
      });
    }),
  );
}

function moodChanged({ emotion, previous, probabilities }) {
  const style = styleOf(emotion);
  changeText.textContent = previous
    ? `Your mood changed from ${styleOf(previous).label.toLowerCase()} to ${style.label.toLowerCase()}.`
    : `Your mood reads as ${style.label.toLowerCase()}.`;
  const time = new Date();
  changes.prepend(
    h(
      "li",
      {},
      h("time", { datetime: time.toISOString(), text: time.toLocaleTimeString() }),
      ` ${style.emoji} ${style.label}`,
    ),
  );
  while (changes.children.length > MAX_CHANGES_SHOWN) changes.lastElementChild.remove();
  // For the music recommendations to refresh themselves when the mood changes.
  document.dispatchEvent(new CustomEvent("fermusic:live-emotion", { detail: { emotion, previous, probabilities } }));
}

// --- Start-up -------------------------------------------------------------------------

startButton.addEventListener("click", start);
stopButton.addEventListener("click", () => {
  stop();
  startButton.focus();
});
// Leaving the page, or putting it in the back/forward cache, turns the camera off.
window.addEventListener("pagehide", () => stop());

cameraProblem({ needsWebSocket: true }).then((kind) => {
  if (!kind) return;
  showProblem(kind);
  if (kind === "insecure" || kind === "unsupported") {
    startButton.hidden = true;
    cameraOffText.textContent = "Live mode cannot be used on this page.";
  }
});
