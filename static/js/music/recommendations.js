// A list of recommendations that reranks itself when a song is rated: the rating goes
// to the API, the list is fetched again with the same exploration seed (so only the
// rating changes it), and songs that moved up or came in are marked.
// Renders the markup of templates/music/_recommendations.html from the API's JSON; a
// change to one of the two needs the same change in the other.

import { csrfToken } from "../csrf.js";
import { h, svg } from "../emotions/dom.js";
import { RatingError, rateTrack, readRateForm, sentence } from "./rating.js";

const MOOD_EMOJI = { happy: "☀️", energetic: "⚡", calm: "🌿", sad: "🌧️" };
const LIKE_ICON = "M7 10v10H4V10zm2 10h8.2a2 2 0 0 0 2-1.6l1.3-6.4A2 2 0 0 0 18.5 9.6H14l.7-3.8A1.8 1.8 0 0 0 13 3.7L9 9.2z";
const DISLIKE_ICON = "M17 14V4h3v10zm-2-10H6.8a2 2 0 0 0-2 1.6L3.5 12a2 2 0 0 0 2 2.4H10l-.7 3.8a1.8 1.8 0 0 0 1.7 2.1l4-5.5z";

const capitalise = (text) => text.charAt(0).toUpperCase() + text.slice(1);

export function introSentence(data) {
  const moods = `${data.moods.join(" and ")} songs, ranked for you. Rate a song and the list changes with it.`;
  if (!data.emotion) return capitalise(moods);
  const aim = data.strategy === "lift" ? "to lift your mood" : "matching your mood";
  return `For feeling ${data.emotion}, ${aim}: ${moods}`;
}

function icon(path) {
  return svg(
    "svg",
    { viewBox: "0 0 24 24", "aria-hidden": "true", focusable: "false" },
    svg("path", { d: path, fill: "currentColor" }),
  );
}

export function moodChip(mood) {
  return h(
    "span",
    { class: `mood-chip mood-${mood}` },
    h("span", { class: "emoji", "aria-hidden": "true", text: MOOD_EMOJI[mood] || "" }),
    ` ${capitalise(mood)}`,
  );
}

const PLAY_ICON = "M8 5.5v13l11-6.5z";

function durationText(ms) {
  if (!ms) return "";
  const total = Math.round(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

// The markup of templates/music/_spotify_link.html: a Play button for ./player.js, or searches.
export function spotifyLink(track) {
  if (track.spotify_id) {
    const length = durationText(track.duration_ms);
    return [
      h(
        "button",
        {
          class: "play-btn",
          type: "button",
          "data-play": true,
          "data-spotify-id": track.spotify_id,
          "data-track-title": track.title,
          "aria-pressed": "false",
        },
        icon(PLAY_ICON),
        h("span", { "data-play-label": true, text: "Play" }),
        h("span", { class: "visually-hidden", text: ` “${track.title}”` }),
      ),
      length
        ? h("span", { class: "track-duration" }, h("span", { class: "visually-hidden", text: "Length " }), length)
        : null,
    ];
  }
  const query = `${track.title} ${track.artists[0] || ""}`;
  const search = (label, href) =>
    h(
      "a",
      { href, target: "_blank", rel: "noopener" },
      label,
      h("span", { class: "visually-hidden", text: ` (a search for “${track.title}”, opens in a new tab)` }),
    );
  return h(
    "span",
    { class: "find-links" },
    h("span", { class: "find-label", text: "Not playable here · find it on" }),
    " ",
    search("Spotify", `https://open.spotify.com/search/${encodeURIComponent(query)}`),
    " ",
    search("YouTube", `https://www.youtube.com/results?search_query=${encodeURIComponent(query)}`),
  );
}

export function rateForm(action, track, rating, next) {
  const value = rating ? rating.value : 0;
  return h(
    "form",
    {
      class: "rate-form",
      method: "post",
      action,
      "data-rate-form": true,
      "data-track": track.id,
      "data-rating": rating ? rating.id : null,
    },
    h("input", { type: "hidden", name: "csrfmiddlewaretoken", value: csrfToken() || "" }),
    h("input", { type: "hidden", name: "track", value: track.id }),
    h("input", { type: "hidden", name: "next", value: next }),
    h(
      "button",
      {
        class: "rate-btn rate-like",
        type: "submit",
        name: "value",
        value: value === 1 ? "0" : "1",
        "aria-pressed": String(value === 1),
        "data-rate": "like",
      },
      icon(LIKE_ICON),
      h("span", { class: "visually-hidden", text: `Like “${track.title}”` }),
    ),
    h(
      "button",
      {
        class: "rate-btn rate-dislike",
        type: "submit",
        name: "value",
        value: value === -1 ? "0" : "-1",
        "aria-pressed": String(value === -1),
        "data-rate": "dislike",
      },
      icon(DISLIKE_ICON),
      h("span", { class: "visually-hidden", text: `Dislike “${track.title}”` }),
    ),
  );
}

export class RecommendationList {
  // root: the [data-recommendations] section; fetchList(seed) resolves to the API's
  // JSON for that seed (a fresh exploration when the seed is null).
  constructor(root, { fetchList }) {
    this.root = root;
    this.fetchList = fetchList;
    this.data = null;
    this.busy = false;
    this.urls = { ratings: root.dataset.ratingsApi, rating: root.dataset.ratingApi };
    this.announcer = root.querySelector("[data-rec-announcer]");
    this.errorBox = root.querySelector("[data-rec-error]");
    this.intro = root.querySelector("[data-rec-intro]");
    root.addEventListener("submit", (event) => this.onSubmit(event));
    root.querySelector("[data-rec-shuffle]")?.addEventListener("click", (event) => {
      event.preventDefault();
      this.reload({ seed: null, message: "Here is a new mix." });
    });
  }

  announce(message) {
    // Emptied first so that the same sentence twice is still read out.
    this.announcer.textContent = "";
    window.setTimeout(() => {
      this.announcer.textContent = message;
    }, 50);
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

  // Fetches the list again; `seed` undefined keeps the current exploration.
  async reload({ seed, message, focus } = {}) {
    const keep = seed === undefined ? this.data?.seed ?? null : seed;
    this.setBusy(true);
    try {
      const data = await this.fetchList(keep);
      this.render(data, { markMoves: Boolean(this.data) && seed === undefined });
      this.showError("");
      if (message) this.announce(message);
      if (focus) this.restoreFocus(focus);
    } catch (error) {
      this.showError(error.message || "We could not load the music. Check your connection and try again.");
    } finally {
      this.setBusy(false);
    }
  }

  render(data, { markMoves = false } = {}) {
    const before = new Map((this.data?.results || []).map((item, position) => [item.track.id, position]));
    this.data = data;
    if (this.intro) this.intro.textContent = introSentence(data);
    const next = window.location.pathname + window.location.search;
    const action = this.root.dataset.rateUrl;
    const items = data.results.map((item, position) =>
      this.item(item, position, markMoves ? before.get(item.track.id) : position, action, next),
    );
    let list = this.root.querySelector("[data-rec-list]");
    this.root.querySelector("[data-rec-empty]")?.remove();
    if (!items.length) {
      list?.remove();
      this.root.append(
        h("p", {
          class: "rec-empty",
          "data-rec-empty": true,
          text: `The catalogue has no ${data.moods.join(" or ")} songs for you yet.`,
        }),
      );
      return;
    }
    if (!list) {
      list = h("ol", { class: "rec-list plain-list", "data-rec-list": true });
      this.root.append(list);
    }
    list.replaceChildren(...items);
  }

  item(item, position, was, action, next) {
    const { track } = item;
    let move = null;
    if (was === undefined) {
      move = h(
        "span",
        { class: "rec-move is-new" },
        "New",
        h("span", { class: "visually-hidden", text: " in the list" }),
      );
    } else if (was > position) {
      const places = was - position;
      move = h(
        "span",
        { class: "rec-move is-up" },
        h("span", { "aria-hidden": "true", text: `▲ ${places}` }),
        h("span", { class: "visually-hidden", text: `moved up ${places} place${places === 1 ? "" : "s"}` }),
      );
    }
    return h(
      "li",
      { class: `rec-item${move ? " is-moved" : ""}`, "data-track": track.id },
      h("span", { class: "rec-position", "aria-hidden": "true", text: position + 1 }),
      h(
        "div",
        { class: "rec-main" },
        h(
          "p",
          { class: "rec-title" },
          h("strong", { text: track.title }),
          " ",
          h("span", { class: "rec-artists", text: track.artists.join(", ") }),
          move ? " " : null,
          move,
        ),
        h("p", { class: "rec-reason", text: capitalise(item.reason) }),
      ),
      h(
        "div",
        { class: "rec-side" },
        moodChip(track.mood),
        spotifyLink(track),
        rateForm(action, track, item.rating, next),
      ),
    );
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

// Fetches a list as JSON; throws with the API's message when it answers with an error.
export async function fetchJson(url) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  } catch {
    throw new Error("We could not reach FerMusic. Check your connection and try again.");
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new Error(data?.detail || "We could not load the music. Try again in a moment.");
  return data;
}
