// Likes and dislikes through the ratings API, for the rate forms of
// templates/music/_rate_buttons.html: each button carries the value it sets
// (1 like, -1 dislike, 0 clears the rating).

import { csrfHeaders } from "../csrf.js";

const JSON_HEADERS = { Accept: "application/json", "Content-Type": "application/json" };

export class RatingError extends Error {}

async function send(url, options) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", ...options });
  } catch {
    throw new RatingError("We could not reach FerMusic. Check your connection and try again.");
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    // A rating removed in another tab is already gone, which is what was asked.
    if (response.status === 404 && options.method === "DELETE") return null;
    throw new RatingError(data?.detail || "That did not work. Reload the page and try again.");
  }
  return data;
}

// Sets this listener's rating of a track and returns it ({id, value, track, ...}),
// or null once removed. `urls` holds the collection URL and the detail URL of rating 0.
export function rateTrack(urls, { track, value, ratingId }) {
  if (value === 0) {
    if (!ratingId) return Promise.resolve(null);
    const url = urls.rating.replace(/\/0\/$/, `/${ratingId}/`);
    return send(url, { method: "DELETE", headers: csrfHeaders({ Accept: "application/json" }) });
  }
  return send(urls.ratings, {
    method: "POST",
    headers: csrfHeaders(JSON_HEADERS),
    body: JSON.stringify({ track, value }),
  });
}

// What a submitted rate form asks for: {form, track, value, ratingId, title}.
export function readRateForm(event) {
  const form = event.target.closest("[data-rate-form]");
  const button = event.submitter;
  if (!form || !button || !button.matches("[data-rate]")) return null;
  return {
    form,
    button: button.dataset.rate,
    track: Number(form.dataset.track),
    value: Number(button.value),
    ratingId: form.dataset.rating ? Number(form.dataset.rating) : null,
    title: form.closest(".rec-item")?.querySelector(".rec-title strong")?.textContent || "this song",
  };
}

// Points a form's buttons at the next value each would set, after the rating became `value`.
export function showRating(form, rating) {
  const value = rating ? rating.value : 0;
  if (rating) form.dataset.rating = rating.id;
  else delete form.dataset.rating;
  const like = form.querySelector('[data-rate="like"]');
  const dislike = form.querySelector('[data-rate="dislike"]');
  like.setAttribute("aria-pressed", String(value === 1));
  like.value = value === 1 ? "0" : "1";
  dislike.setAttribute("aria-pressed", String(value === -1));
  dislike.value = value === -1 ? "0" : "-1";
}

export function sentence(value, title) {
  if (value === 1) return `You like “${title}”.`;
  if (value === -1) return `You dislike “${title}”.`;
  return `Removed your rating of “${title}”.`;
}
