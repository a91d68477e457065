// The Discover page: the server rendered the list; rating a song reranks it in place,
// and switching "Match how I feel / Lift my mood" shows the list for the new strategy
// at once (without JavaScript, the "Update the list" button does the same).

import { readJson } from "../emotions/dom.js";
import { RecommendationList, fetchJson } from "./recommendations.js";

const root = document.querySelector("[data-recommendations]");
const data = readJson("recommendations-data");
if (root && data) {
  const list = new RecommendationList(root, {
    fetchList: (seed) => fetchJson(`${root.dataset.listUrl}${seed === null ? "" : `&seed=${seed}`}`),
  });
  list.render(data);
}

const feeling = document.querySelector("[data-feeling-form]");
if (feeling) {
  const apply = feeling.querySelector("[data-strategy-apply]");
  if (apply) apply.hidden = true;
  feeling.addEventListener("change", (event) => {
    const emotion = feeling.dataset.chosenEmotion;
    if (event.target.name !== "strategy" || !emotion) return;
    const url = new URL(feeling.action, window.location.href);
    for (const input of feeling.querySelectorAll('input[type="hidden"]')) url.searchParams.set(input.name, input.value);
    url.searchParams.set("emotion", emotion);
    url.searchParams.set("strategy", event.target.value);
    if (root) root.setAttribute("aria-busy", "true");
    window.location.assign(url);
  });
}
