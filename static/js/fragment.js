// Fetching server-rendered HTML fragments and swapping them into the page. The server
// renders every list and result once (Django templates); the pages only swap its HTML in.

export class FragmentError extends Error {
  constructor(message, reason = "failed") {
    super(message);
    this.reason = reason; // "gone", "signed-out", "offline" or "failed"
  }
}

/** GET an HTML fragment; resolves to a DocumentFragment of it, or throws a FragmentError. */
export async function fetchFragment(url) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
  } catch {
    throw new FragmentError("We could not reach FerMusic. Check your connection and try again.", "offline");
  }
  if (response.status === 404) throw new FragmentError("This result has been deleted, perhaps from another tab.", "gone");
  // A signed-out session is redirected to the log-in page, which fetch follows.
  if (response.redirected || response.status === 401 || response.status === 403) {
    throw new FragmentError("You have been logged out. Log in again to see the result.", "signed-out");
  }
  if (!response.ok) throw new FragmentError("We could not load this part of the page. Try again in a moment.");
  const template = document.createElement("template");
  // Our own origin's templates, autoescaped; a <template> runs no script while parsing.
  template.innerHTML = await response.text();
  return template.content;
}

/** The keyboard focus's data-focus-key inside `root`, to find the same control after a swap. */
export function focusKey(root) {
  return root.contains(document.activeElement) ? document.activeElement.dataset.focusKey || null : null;
}

/** Puts the focus back on the control with `key`, else on `fallback`. */
export function restoreFocus(root, key, fallback) {
  if (!key) return;
  const again = root.querySelector(`[data-focus-key="${key}"]`);
  (again || fallback)?.focus();
}

export function announce(element, message) {
  if (!element) return;
  // Emptied first so that the same sentence twice is still read out.
  element.textContent = "";
  window.setTimeout(() => {
    element.textContent = message;
  }, 50);
}
