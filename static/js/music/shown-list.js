// A result's stored list (templates/music/_shown_list.html): the server renders it under
// the reading, in the result's fragment that static/js/emotions/result-live.js swaps in
// whenever the detection changes. This script sends the section's own forms (like,
// dislike, Undo, New picks, face or everyone) with fetch and swaps the server's fragment
// of the section in. Rows whose content did not change are kept as they are, so nothing
// moves under the pointer (and a song playing goes on); a busy list ignores further clicks.

import { csrfHeaders } from "../csrf.js";

const FRAGMENT = { "X-Fragment": "music" };
// The section's forms this script sends; others (Save this list) submit as they are.
const OWN_FORMS = "form[data-rate-form], form[data-undo], form[data-music-action], form[data-music-subject]";

/** The stored list inside `root`, an element that stays while the fragments in it change. */
export class ShownListSection {
  constructor(root) {
    this.root = root;
    this.busy = false;
    root.addEventListener("submit", (event) => this.onSubmit(event));
    this.armUndo();
  }

  section() {
    return this.root.querySelector("[data-recommendations]");
  }

  // The whole section replaced by the server's (the result around it stays).
  replaceSection(template, current) {
    const incoming = template.content.querySelector("[data-recommendations]");
    if (current && incoming) current.replaceWith(incoming);
    else if (incoming) this.root.append(incoming);
  }

  /** Call after the fragment around the section was swapped in. */
  adopt() {
    this.busy = false;
    this.armUndo();
  }

  async load(url, options = {}, focus = null) {
    this.setBusy(true);
    let response;
    try {
      response = await fetch(url, {
        credentials: "same-origin",
        ...options,
        headers: csrfHeaders({ Accept: "text/html", ...FRAGMENT }),
      });
    } catch {
      this.setBusy(false);
      this.showError("We could not reach FerMusic. Check your connection and try again.");
      return;
    }
    const type = response.headers.get("Content-Type") || "";
    if (type.startsWith("application/json")) {
      const data = await response.json().catch(() => null);
      this.setBusy(false);
      this.showError(data?.detail || "That did not work. Reload the page and try again.");
      return;
    }
    const html = await response.text();
    this.setBusy(false);
    if (response.ok) this.swap(html, focus);
    else this.showError(this.messageOf(html) || "That did not work. Reload the page and try again.");
  }

  messageOf(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    return template.content.querySelector("[data-rec-announcer]")?.textContent.trim() || "";
  }

  setBusy(busy) {
    this.busy = busy;
    const section = this.section();
    if (section) section.setAttribute("aria-busy", String(busy));
  }

  showError(message) {
    const box = this.root.querySelector("[data-rec-error]");
    if (!box) return;
    box.textContent = message;
    box.hidden = !message;
  }

  onSubmit(event) {
    const form = event.target.closest(OWN_FORMS);
    if (!form || !this.root.contains(form) || !this.section()?.dataset.list) return;
    event.preventDefault();
    if (this.busy) return;
    const button = event.submitter;
    const focus = this.focusOf(form, button);
    if (form.method.toLowerCase() === "get") {
      const query = new URLSearchParams(new FormData(form, button)).toString();
      this.load(`${this.section().dataset.fragmentUrl}&${query}`, {}, focus);
      return;
    }
    this.load(form.action, { method: "POST", body: new FormData(form, button) }, focus);
  }

  // Where focus goes back after the swap: the same control of the same row.
  focusOf(form, button) {
    const row = form.closest("[data-position]");
    return {
      position: row?.dataset.position || null,
      rate: button?.dataset.rate || null,
      subject: form.matches("[data-music-subject]") ? button?.value : null,
      newPicks: Boolean(form.querySelector("[data-new-picks]")),
    };
  }

  swap(html, focus) {
    const template = document.createElement("template");
    template.innerHTML = html;
    const incoming = template.content.querySelector("[data-recommendations]");
    const current = this.section();
    if (!incoming || !current || incoming.dataset.list !== current.dataset.list) {
      this.replaceSection(template, current);
      this.afterSwap(focus, true);
      return;
    }
    // The same list changed: swap only the parts and rows whose content changed.
    for (const part of ["[data-rec-title]", "[data-rec-intro]", ".rec-actions"]) {
      const now = incoming.querySelector(part);
      const was = current.querySelector(part);
      if (now && was && now.innerHTML !== was.innerHTML) was.replaceWith(now);
    }
    const list = current.querySelector("[data-rec-list]");
    const rows = incoming.querySelectorAll("[data-rec-list] > li");
    if (!list || !rows.length) {
      this.replaceSection(template, current);
      this.afterSwap(focus, true);
      return;
    }
    const old = new Map([...list.children].map((li) => [li.dataset.position, li]));
    for (const row of rows) {
      const was = old.get(row.dataset.position);
      old.delete(row.dataset.position);
      if (was && was.dataset.key === row.dataset.key) {
        // Kept as it is; only the mark of an earlier change goes.
        was.classList.remove("is-moved");
        was.querySelector(".rec-move")?.remove();
        continue;
      }
      if (was && was.dataset.track === row.dataset.track && !row.matches(".is-gone") && !was.matches(".is-gone")) {
        // The same song, rated or its Undo gone: only those parts change, so a song
        // playing in the row goes on playing.
        for (const part of [".rec-main", ".rate-form"]) was.querySelector(part)?.replaceWith(row.querySelector(part));
        was.dataset.key = row.dataset.key;
        continue;
      }
      if (was) was.replaceWith(row);
      else list.append(row);
    }
    for (const gone of old.values()) gone.remove();
    this.announce(incoming.querySelector("[data-rec-announcer]")?.textContent.trim() || "");
    this.afterSwap(focus, false);
  }

  afterSwap(focus, whole) {
    this.showError("");
    this.armUndo();
    if (!focus) return;
    const section = this.section();
    if (!section) return;
    let target = null;
    if (focus.position) {
      const row = section.querySelector(`[data-rec-list] > li[data-position="${focus.position}"]`);
      target = row?.querySelector("[data-undo] button") || row?.querySelector(`[data-rate="${focus.rate}"]`);
    } else if (focus.subject) {
      target = section.querySelector(`[data-music-subject] button[value="${focus.subject}"]`);
    } else if (focus.newPicks) {
      target = section.querySelector("[data-new-picks]");
    }
    (target || (whole ? section.querySelector("[data-rec-title]") : null))?.focus();
    if (whole) this.announce(section.querySelector("[data-rec-announcer]")?.textContent.trim() || "");
  }

  announce(message) {
    const announcer = this.root.querySelector("[data-rec-announcer]");
    if (!announcer || !message) return;
    // Emptied first so that the same sentence twice is still read out.
    announcer.textContent = "";
    window.setTimeout(() => {
      announcer.textContent = message;
    }, 50);
  }

  // Undo stays offered for the section's undo_seconds, then the row shows its reason.
  armUndo() {
    for (const form of this.root.querySelectorAll("[data-undo]:not([data-armed]):not([data-undo-stays])")) {
      form.dataset.armed = "true";
      window.setTimeout(
        () => {
          if (!form.isConnected) return;
          const hadFocus = form.contains(document.activeElement);
          const row = form.closest("li");
          form.nextElementSibling?.removeAttribute("hidden");
          form.remove();
          if (row) row.dataset.key = row.dataset.key.replace(/:undo$/, "");
          if (hadFocus) row?.querySelector('[data-rate="like"]')?.focus();
        },
        Number(form.dataset.undoSeconds || 12) * 1000,
      );
    }
  }
}

