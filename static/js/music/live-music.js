// Live mode's music: each time the smoothed mood settles on another emotion
// (live-mode.js sends "fermusic:live-emotion"), the list is fetched for that emotion
// with the user's own strategy, and rating a song reranks it as on the Discover page.

import { RecommendationList, fetchJson } from "./recommendations.js";

const root = document.querySelector("[data-live-music]");
if (root) {
  let emotion = null;
  const list = new RecommendationList(root, {
    fetchList: (seed) => {
      const params = new URLSearchParams({ emotion });
      if (seed !== null) params.set("seed", seed);
      return fetchJson(`${root.dataset.discoverUrl}?${params}`);
    },
  });
  document.addEventListener("fermusic:live-emotion", (event) => {
    if (event.detail.emotion === emotion) return;
    emotion = event.detail.emotion;
    root.hidden = false;
    list.reload({ seed: null, message: `New songs for feeling ${emotion}.` });
  });
}
