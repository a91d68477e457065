// Small DOM helpers shared by the emotion pages.

const SVG_NS = "http://www.w3.org/2000/svg";

function build(element, props, children) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") element.textContent = value;
    else if (key === "style") {
      for (const [property, v] of Object.entries(value)) element.style.setProperty(property, v);
    } else if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2), value);
    } else element.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

// h("p", { class: "muted", text: "Hi" }) — text always goes in as text, never as HTML.
export const h = (tag, props, ...children) => build(document.createElement(tag), props, children);
export const svg = (tag, props, ...children) => build(document.createElementNS(SVG_NS, tag), props, children);

export function readJson(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
}

export const percent = (probability) => Math.round(probability * 100);

export function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

export function formatSize(bytes) {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

// The server writes times in UTC so they read correctly without JavaScript; here they
// are rewritten in the reader's own time zone and language.
export function localizeTimes(root = document) {
  const format = new Intl.DateTimeFormat(undefined, { dateStyle: "long", timeStyle: "short" });
  for (const element of root.querySelectorAll("time[data-local-time]")) {
    const date = new Date(element.dateTime);
    if (!Number.isNaN(date.getTime())) element.textContent = format.format(date);
  }
}

// The delete confirmations are <details> disclosures; this adds a Cancel button and
// closes them with Escape, returning focus to the button that opened them.
export function enhanceConfirms(root = document) {
  for (const details of root.querySelectorAll("[data-confirm]")) {
    const summary = details.querySelector("summary");
    const cancel = details.querySelector("[data-confirm-cancel]");
    const close = () => {
      details.open = false;
      summary.focus();
    };
    if (cancel) {
      cancel.hidden = false;
      cancel.addEventListener("click", close);
    }
    details.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && details.open) {
        event.preventDefault();
        close();
      }
    });
  }
}
