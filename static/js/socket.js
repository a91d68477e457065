// The WebSocket URL of a path on this server: wss: on an https: page, ws: otherwise.

/** @param {string} path e.g. "/ws/events/" */
export function socketUrl(path) {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${path}`;
}
