// CSRF token for fetch() calls that change state (POST, PUT, PATCH, DELETE).
//
//   import { csrfHeaders } from "/static/js/csrf.js";
//   fetch(url, { method: "POST", headers: csrfHeaders({ "Content-Type": "application/json" }), body });

const COOKIE_NAME = "csrftoken";
const HEADER_NAME = "X-CSRFToken";

export function getCookie(name) {
  for (const part of document.cookie ? document.cookie.split(";") : []) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

// The cookie wins because Django rotates the token at log-in; the <meta> tag that
// base.html renders is the fallback when cookies are unreadable.
export function csrfToken() {
  const fromCookie = getCookie(COOKIE_NAME);
  if (fromCookie) return fromCookie;
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : null;
}

export function csrfHeaders(headers = {}) {
  const token = csrfToken();
  return token ? { ...headers, [HEADER_NAME]: token } : { ...headers };
}
