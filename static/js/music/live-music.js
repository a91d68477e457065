// Live mode's music: each time the smoothed mood settles on another emotion
// (live-mode.js sends "fermusic:live-emotion"), the server's list for that emotion, with
// the user's own strategy, is swapped in; rating a song reranks it as on Discover.

import { emotionWord } from "../emotions/words.js";
import { RecommendationList } from "./recommendations.js";

const root = document.querySelector("[data-live-music]");
if (root) {
  let emotion = null;
  const list = new RecommendationList(root, {
    listUrl: () => `${root.dataset.discoverUrl}?${new URLSearchParams({ emotion })}`,
  });
  document.addEventListener("fermusic:live-emotion", (event) => {
    if (event.detail.emotion === emotion) return;
    emotion = event.detail.emotion;
    root.hidden = false;
    list.reload({ seed: null, message: `New songs for feeling ${emotionWord(emotion)}.` });
  });
}
