// A detection's result kept current on the page: the detection is followed over the
// events socket (static/js/emotions/live.js), and each time it changes the server's
// fragment of it (music:detection_result: the result and, under the reading, its stored
// list) is fetched and swapped in. The buttons inside (choose a face, re-run,
// "Not quite? I feel …") go to the API, and the fragment follows; the list's own forms
// (rate, Undo, New picks, face or everyone) are static/js/music/shown-list.js's.

import { csrfHeaders } from "../csrf.js";
import { FragmentError, announce, fetchFragment, focusKey, restoreFocus } from "../fragment.js";
import { ShownListSection } from "../music/shown-list.js";
import { isFinished, watchDetection } from "./live.js";

const PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000";

// What the fragment depends on: a change in any of these needs a new one.
const stateKey = (d) => [d.status, d.selected_face, d.felt_emotion, Boolean(d.photo_url), d.faces.length].join("|");

function statusSentence(detection) {
  switch (detection.status) {
    case "queued":
      return "Your photo is waiting to be analysed.";
    case "running":
      return "Analysing your photo.";
    case "failed":
      return `The analysis failed. ${detection.failure_reason}`;
    default:
      return detection.faces.length ? "" : "Analysis finished. No face was found in this photo.";
  }
}

export class LiveResult {
  constructor(root) {
    this.root = root;
    this.slot = root.querySelector("[data-result-fragment]");
    this.announcer = root.querySelector("[data-announcer]");
    this.errorBox = root.querySelector("[data-result-error]");
    this.connectionNote = root.querySelector("[data-connection]");
    this.detection = null;
    this.shownKey = null;
    this.pendingKey = null;
    this.localPreview = null;
    this.watcher = null;
    this.generation = 0;
    this.music = new ShownListSection(this.slot);
    root.addEventListener("submit", (event) => this.onSubmit(event));
  }

  url(name, id) {
    return this.root.dataset[name].replace(PLACEHOLDER_ID, id);
  }

  /** Follows `detection` (the API's JSON); `rendered` says the server already drew it here. */
  follow(detection, { localPreview = null, rendered = false } = {}) {
    this.stop();
    this.detection = detection;
    this.localPreview = localPreview;
    this.shownKey = rendered ? stateKey(detection) : null;
    if (rendered) this.adopt();
    // A finished result drawn by the page without its music gets it with the fragment.
    const musicMissing = detection.status === "done" && detection.faces.length && !this.slot.querySelector("[data-recommendations]");
    if (!rendered || musicMissing) this.refresh(detection);
    this.watcher = watchDetection({
      id: detection.id,
      apiUrl: this.url("apiUrl", detection.id),
      current: () => this.detection,
      onUpdate: (update) => this.update(update),
      onConnection: (state) => this.setConnection(state),
      onLost: (reason) => this.lose(reason),
    });
  }

  stop() {
    this.watcher?.stop();
    this.watcher = null;
    this.generation += 1;
    this.pendingKey = null;
  }

  clear() {
    this.stop();
    this.detection = null;
    this.shownKey = null;
    this.localPreview = null;
    this.slot.replaceChildren();
    this.showError("");
    this.connectionNote.hidden = true;
    this.announcer.textContent = "";
  }

  update(detection) {
    const previous = this.detection;
    this.detection = detection;
    if (isFinished(detection)) this.connectionNote.hidden = true;
    const key = stateKey(detection);
    if (key === this.shownKey || key === this.pendingKey) return;
    this.refresh(detection, previous);
  }

  async refresh(detection, previous = null) {
    const generation = ++this.generation;
    const key = stateKey(detection);
    this.pendingKey = key;
    let html;
    try {
      // Another face chosen, or the reading corrected: the list for the face, for what it now shows.
      const refollow =
        previous?.id === detection.id &&
        (previous.selected_face !== detection.selected_face || previous.felt_emotion !== detection.felt_emotion);
      html = await fetchFragment(`${this.url("fragmentUrl", detection.id)}${refollow ? "&subject=face" : ""}`);
    } catch (error) {
      if (generation !== this.generation) return;
      this.pendingKey = null;
      if (error instanceof FragmentError && (error.reason === "gone" || error.reason === "signed-out")) {
        this.lose(error.reason, error.message);
      } else {
        this.showError(error.message);
      }
      return;
    }
    // A newer change started another fetch, whose answer wins.
    if (generation !== this.generation) return;
    this.pendingKey = null;
    this.swap(html);
    this.shownKey = key;
    this.showError("");
    if (previous && previous.status !== detection.status) {
      announce(this.announcer, statusSentence(detection) || this.readingSentence());
    }
  }

  readingSentence() {
    const reading = this.slot.querySelector("[data-reading]")?.textContent.trim() || "";
    const music = this.slot.querySelector("[data-rec-title]")?.textContent.trim() || "";
    return ["Analysis finished.", reading, music ? `${music} is under the result.` : ""].filter(Boolean).join(" ");
  }

  swap(html) {
    const key = focusKey(this.slot);
    // A photo already on screen stays when the server deletes its copy at the end of
    // the analysis: the browser holds it, like a local preview.
    const shown = this.slot.querySelector(".photo-img");
    const keep = shown?.complete && shown.naturalWidth ? shown : null;
    this.slot.replaceChildren(html);
    this.adopt(keep);
    restoreFocus(this.slot, key, this.slot.querySelector("[data-result-status]"));
  }

  // Makes the fragment now in the slot live: the local photo, and the stored list's Undo.
  adopt(keep = null) {
    const frame = this.slot.querySelector(".photo-frame");
    if (frame?.classList.contains("is-missing")) {
      let image = keep;
      if (!image && this.localPreview) {
        image = document.createElement("img");
        image.className = "photo-img";
        image.alt = "Your photo";
        image.src = this.localPreview;
      }
      if (image) {
        frame.querySelector(".photo-placeholder")?.remove();
        frame.prepend(image);
        frame.classList.remove("is-missing");
        this.slot.querySelector("[data-caption-deleted]")?.setAttribute("hidden", "");
        this.slot.querySelector("[data-caption-local]")?.removeAttribute("hidden");
      }
    }
    this.music.adopt();
  }

  lose(reason, message) {
    this.stop();
    this.showError(
      message ||
        (reason === "gone"
          ? "This result has been deleted, perhaps from another tab."
          : "You have been logged out. Log in again to see the result."),
    );
  }

  showError(message) {
    this.errorBox.textContent = message;
    this.errorBox.hidden = !message;
  }

  setConnection(state) {
    const waiting = this.detection && !isFinished(this.detection);
    this.connectionNote.hidden = !waiting || state === "live";
    this.connectionNote.textContent =
      state === "offline"
        ? "You seem to be offline. The result will appear when the connection is back."
        : "The live connection dropped, so this page checks for the result every 2 seconds.";
  }

  // --- The result's buttons, through the API -----------------------------------------

  async onSubmit(event) {
    const form = event.target;
    if (!this.detection) return;
    const id = this.detection.id;
    let request;
    if (form.matches("[data-select-face]")) {
      request = ["POST", this.url("selectFaceApi", id), { selected_face: Number(form.elements.face.value) }];
    } else if (form.matches("[data-rerun]")) {
      request = ["POST", this.url("rerunApi", id), null];
    } else if (form.matches("[data-feel]")) {
      const felt = event.submitter?.value || null;
      request = ["PATCH", this.url("apiUrl", id), { felt_emotion: felt }];
    } else {
      return;
    }
    event.preventDefault();
    const button = event.submitter || form.querySelector("button[type=submit]");
    // aria-disabled rather than disabled: a disabled button would drop the keyboard focus.
    if (button.getAttribute("aria-disabled") === "true") return;
    button.setAttribute("aria-disabled", "true");
    const [method, url, body] = request;
    const data = await this.send(method, url, body);
    button.removeAttribute("aria-disabled");
    if (!data) return;
    const previous = this.detection;
    this.detection = data;
    this.watcher?.resume();
    if (stateKey(data) !== this.shownKey) await this.refresh(data, previous);
    if (previous.felt_emotion !== data.felt_emotion) {
      announce(
        this.announcer,
        data.felt_emotion
          ? `Thanks. ${this.slot.querySelector("[data-rec-title]")?.textContent.trim() || "The music"} is under the result now.`
          : "The music follows the reading again.",
      );
    } else if (previous.selected_face !== data.selected_face) {
      announce(this.announcer, `Face ${(data.selected_face ?? 0) + 1} now picks your music.`);
    }
  }

  async send(method, url, body) {
    this.showError("");
    let response;
    try {
      response = await fetch(url, {
        method,
        credentials: "same-origin",
        headers: csrfHeaders(
          body ? { Accept: "application/json", "Content-Type": "application/json" } : { Accept: "application/json" },
        ),
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch {
      this.showError("We could not reach FerMusic. Check your connection and try again.");
      return null;
    }
    const data = await response.json().catch(() => null);
    if (response.ok && data?.id) return data;
    const fieldError = data?.errors && Object.values(data.errors).find(Array.isArray);
    this.showError(data?.detail || fieldError?.[0] || "That did not work. Reload the page and try again.");
    return null;
  }
}
