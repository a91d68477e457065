// A list of recommendations that reranks itself when a song is rated: the rating goes
// to the API, then the server's HTML of the list (templates/music/_recommendations_body.html,
// inside the page's own fragment) is fetched again with the same exploration seed, so
// only the rating changes it, and swapped in. Songs that moved up or came in are marked.
//
// root: the [data-recommendations] section; its data-list-url answers with HTML holding
// a [data-rec-body] (and optionally a [data-rec-intro]); listUrl() may override it.

import { announce, fetchFragment } from "../fragment.js";
import { RatingError, rateTrack, readRateForm, sentence } from "./rating.js";

function moveBadge(was, position) {
  const badge = document.createElement("span");
  const hidden = document.createElement("span");
  hidden.className = "visually-hidden";
  if (was === undefined) {
    badge.className = "rec-move is-new";
    badge.append("New");
    hidden.textContent = " in the list";
  } else {
    const places = was - position;
    const arrow = document.createElement("span");
    arrow.setAttribute("aria-hidden", "true");
    arrow.textContent = `▲ ${places}`;
    badge.className = "rec-move is-up";
    badge.append(arrow);
    hidden.textContent = `moved up ${places} place${places === 1 ? "" : "s"}`;
  }
  badge.append(hidden);
  return badge;
}

export class RecommendationList {
  constructor(root, { listUrl = () => root.dataset.listUrl } = {}) {
    this.root = root;
    this.listUrl = listUrl;
    this.busy = false;
    this.urls = { ratings: root.dataset.ratingsApi, rating: root.dataset.ratingApi };
    this.announcer = root.querySelector("[data-rec-announcer]");
    this.errorBox = root.querySelector("[data-rec-error]");
    root.addEventListener("submit", (event) => this.onSubmit(event));
    root.querySelector("[data-rec-shuffle]")?.addEventListener("click", (event) => {
      event.preventDefault();
      this.reload({ seed: null, message: "Here is a new mix." });
    });
  }

  get seed() {
    const seed = this.root.querySelector("[data-rec-body]")?.dataset.seed;
    return seed === undefined || seed === "" ? null : seed;
  }

  showError(message) {
    this.errorBox.textContent = message;
    this.errorBox.hidden = !message;
  }

  setBusy(busy) {
    this.busy = busy;
    this.root.setAttribute("aria-busy", String(busy));
    for (const button of this.root.querySelectorAll("[data-rate], [data-rec-shuffle]")) {
      if (busy) button.setAttribute("aria-disabled", "true");
      else button.removeAttribute("aria-disabled");
    }
  }

  // Fetches the list again; `seed` undefined keeps the current exploration, null asks for a fresh one.
  async reload({ seed, message, focus } = {}) {
    const keep = seed === undefined ? this.seed : seed;
    const url = new URL(this.listUrl(), window.location.href);
    url.searchParams.set("fragment", "list");
    if (keep === null) url.searchParams.delete("seed");
    else url.searchParams.set("seed", keep);
    this.setBusy(true);
    try {
      const html = await fetchFragment(url);
      this.swap(html, { markMoves: seed === undefined && Boolean(this.root.querySelector("[data-rec-body]")) });
      this.showError("");
      if (message) announce(this.announcer, message);
      if (focus) this.restoreFocus(focus);
    } catch (error) {
      this.showError(error.message || "We could not load the music. Check your connection and try again.");
    } finally {
      this.setBusy(false);
    }
  }

  swap(html, { markMoves = false } = {}) {
    const body = html.querySelector("[data-rec-body]");
    if (!body) throw new Error("We could not load the music. Try again in a moment.");
    const before = new Map(
      [...this.root.querySelectorAll("[data-rec-list] > li")].map((li, position) => [li.dataset.track, position]),
    );
    const intro = html.querySelector("[data-rec-intro]");
    if (intro) this.root.querySelector("[data-rec-intro]")?.replaceWith(intro);
    const old = this.root.querySelector("[data-rec-body]");
    if (old) old.replaceWith(body);
    else this.root.append(body);
    if (!markMoves) return;
    body.querySelectorAll("[data-rec-list] > li").forEach((li, position) => {
      const was = before.get(li.dataset.track);
      if (was !== undefined && was <= position) return;
      li.classList.add("is-moved");
      li.querySelector(".rec-title")?.append(" ", moveBadge(was, position));
    });
  }

  restoreFocus({ track, button, position }) {
    const again = this.root.querySelector(`[data-track="${track}"] [data-rate="${button}"]`);
    if (again) {
      again.focus();
      return;
    }
    // The song left the list (a dislike): land on the song that took its place.
    const items = this.root.querySelectorAll("[data-rec-list] > li");
    const neighbour = items[Math.min(position, items.length - 1)];
    (neighbour?.querySelector('[data-rate="like"]') || this.root.querySelector("h2, h3"))?.focus();
  }

  async onSubmit(event) {
    const asked = readRateForm(event);
    if (!asked) return;
    event.preventDefault();
    if (this.busy) return;
    const items = [...this.root.querySelectorAll("[data-rec-list] > li")];
    const position = items.findIndex((li) => li.dataset.track === String(asked.track));
    this.setBusy(true);
    try {
      await rateTrack(this.urls, asked);
    } catch (error) {
      this.setBusy(false);
      this.showError(error instanceof RatingError ? error.message : "That did not work. Try again.");
      return;
    }
    const effect =
      asked.value === 1
        ? " Songs like it moved up."
        : asked.value === -1
          ? " It is gone from your list and will not come back."
          : "";
    await this.reload({
      message: `${sentence(asked.value, asked.title)}${effect}`,
      focus: { track: asked.track, button: asked.button, position: Math.max(position, 0) },
    });
  }
}
