// Follows one detection as the server works on it.
//
// The WebSocket at /ws/events/ pushes {"event": "detection.updated", "payload": …} for
// the signed-in user. While it is down the detection is polled every 2 seconds until it
// is finished, and the socket is reopened with an exponential backoff.

import { socketUrl } from "../socket.js";

const POLL_INTERVAL_MS = 2000;
const BACKOFF_START_MS = 1000;
const BACKOFF_MAX_MS = 30000;
// The consumer closes with this code when the session is not signed in.
const CLOSE_UNAUTHENTICATED = 4401;

export const isFinished = (detection) => detection.status === "done" || detection.status === "failed";

/**
 * @param {object} options
 * @param {string} options.id            the detection's id
 * @param {string} options.apiUrl        GET /api/v1/detections/{id}/
 * @param {() => object} options.current the latest detection the page shows
 * @param {(detection: object) => void} options.onUpdate
 * @param {(state: "live"|"polling"|"offline") => void} [options.onConnection]
 * @param {(reason: "gone"|"signed-out") => void} [options.onLost]
 * @returns {{ resume: () => void, stop: () => void }}
 */
export function watchDetection({ id, apiUrl, current, onUpdate, onConnection = () => {}, onLost = () => {} }) {
  let socket = null;
  let stopped = false;
  let failures = 0;
  let reconnectTimer = null;
  let pollTimer = null;
  let polling = false;
  // Bumped by every pushed update, so that a slower HTTP answer started before it
  // cannot overwrite newer data.
  let generation = 0;

  function apply(detection) {
    if (!stopped && detection && detection.id === id) onUpdate(detection);
  }

  async function fetchOnce() {
    const started = generation;
    let response;
    try {
      response = await fetch(apiUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    } catch {
      return false;
    }
    if (response.status === 404) return lose("gone");
    if (response.status === 401 || response.status === 403 || response.redirected) return lose("signed-out");
    if (!response.ok) return false;
    const detection = await response.json().catch(() => null);
    if (generation === started) apply(detection);
    return true;
  }

  function lose(reason) {
    stop();
    onLost(reason);
    return false;
  }

  function startPolling() {
    if (polling || stopped || isFinished(current())) return;
    polling = true;
    onConnection(navigator.onLine === false ? "offline" : "polling");
    const tick = async () => {
      if (!polling) return;
      await fetchOnce();
      if (!polling) return;
      if (isFinished(current())) {
        stopPolling();
        return;
      }
      pollTimer = window.setTimeout(tick, POLL_INTERVAL_MS);
    };
    tick();
  }

  function stopPolling() {
    polling = false;
    window.clearTimeout(pollTimer);
    pollTimer = null;
  }

  function scheduleReconnect() {
    if (stopped || reconnectTimer !== null) return;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** failures);
    failures += 1;
    // Jitter spreads out the reconnects of many tabs after a server restart.
    const delay = base / 2 + Math.random() * (base / 2);
    reconnectTimer = window.setTimeout(() => {
      reconnectTimer = null;
      connect();
    }, delay);
  }

  function connect() {
    if (stopped || socket) return;
    if (!("WebSocket" in window)) {
      startPolling();
      return;
    }
    let ws;
    try {
      ws = new WebSocket(socketUrl("/ws/events/"));
    } catch {
      startPolling();
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.addEventListener("open", () => {
      failures = 0;
      stopPolling();
      onConnection("live");
      // Catch up with anything that changed before the socket was open.
      fetchOnce();
    });
    ws.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.event === "detection.updated" && message.payload?.id === id) {
        generation += 1;
        apply(message.payload);
      }
    });
    ws.addEventListener("close", (event) => {
      // A socket this module closed on purpose has already been let go.
      if (socket !== ws) return;
      socket = null;
      if (stopped) return;
      startPolling();
      if (event.code !== CLOSE_UNAUTHENTICATED) scheduleReconnect();
    });
  }

  function reconnectNow() {
    if (stopped || socket) return;
    window.clearTimeout(reconnectTimer);
    reconnectTimer = null;
    failures = 0;
    connect();
  }

  function onVisible() {
    if (document.visibilityState === "visible") reconnectNow();
  }

  // Closing the socket when the page is hidden lets the browser keep it in the
  // back/forward cache; coming back from there opens it again.
  function onPageHide() {
    stopPolling();
    window.clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (socket) {
      const closing = socket;
      socket = null;
      closing.close(1000);
    }
  }

  function onPageShow(event) {
    if (event.persisted) reconnectNow();
  }

  function stop() {
    stopped = true;
    onPageHide();
    window.removeEventListener("online", reconnectNow);
    window.removeEventListener("pagehide", onPageHide);
    window.removeEventListener("pageshow", onPageShow);
    document.removeEventListener("visibilitychange", onVisible);
  }

  window.addEventListener("online", reconnectNow);
  window.addEventListener("pagehide", onPageHide);
  window.addEventListener("pageshow", onPageShow);
  document.addEventListener("visibilitychange", onVisible);
  connect();

  return {
    // Called after the page changes the detection itself (a re-run queues it again).
    resume() {
      if (!socket) startPolling();
    },
    stop,
  };
}
