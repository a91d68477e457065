// My ratings: like, dislike and remove in place, keeping the counts and the filter true.

import { RatingError, rateTrack, readRateForm, sentence, showRating } from "./rating.js";

const root = document.querySelector("[data-ratings]");

if (root) {
  const urls = { ratings: root.dataset.ratingsApi, rating: root.dataset.ratingApi };
  const announcer = root.querySelector("[data-rec-announcer]");
  const errorBox = root.querySelector("[data-rec-error]");
  const shown = root.dataset.shown;
  const counter = (name) => root.querySelector(`[data-count="${name}"]`);

  const announce = (message) => {
    announcer.textContent = "";
    window.setTimeout(() => {
      announcer.textContent = message;
    }, 50);
  };

  const recount = (before, after) => {
    const change = { all: 0, likes: 0, dislikes: 0 };
    for (const [value, step] of [[before, -1], [after, 1]]) {
      if (!value) continue;
      change.all += step;
      change[value === 1 ? "likes" : "dislikes"] += step;
    }
    for (const [name, delta] of Object.entries(change)) {
      const element = counter(name);
      if (element && delta) element.textContent = String(Number(element.textContent) + delta);
    }
  };

  const belongs = (value) => value !== 0 && (shown === "all" || (shown === "likes") === (value === 1));

  root.addEventListener("submit", async (event) => {
    const asked = readRateForm(event);
    if (!asked) return;
    event.preventDefault();
    const pressed = asked.form.querySelector('[aria-pressed="true"]')?.dataset.rate;
    const before = pressed === "like" ? 1 : pressed === "dislike" ? -1 : 0;
    let rating;
    try {
      rating = await rateTrack(urls, asked);
    } catch (error) {
      errorBox.textContent = error instanceof RatingError ? error.message : "That did not work. Try again.";
      errorBox.hidden = false;
      return;
    }
    errorBox.hidden = true;
    recount(before, asked.value);
    const item = asked.form.closest("li");
    if (belongs(asked.value)) {
      showRating(asked.form, rating);
      const when = item.querySelector(".rec-reason");
      when.firstChild.textContent = asked.value === 1 ? "Liked " : "Disliked ";
      when.querySelector("time").textContent = "just now";
      asked.form.querySelector(`[data-rate="${asked.button}"]`)?.focus();
    } else {
      const next = item.nextElementSibling || item.previousElementSibling;
      item.remove();
      (next?.querySelector('[data-rate="like"]') || root.querySelector("h2"))?.focus();
      if (!root.querySelector("[data-rating-list] > li")) root.querySelector("[data-ratings-empty]").hidden = false;
    }
    announce(sentence(asked.value, asked.title));
  });
}
