// The Discover page: the server rendered the list; rating a song reranks it in place.

import { readJson } from "../emotions/dom.js";
import { RecommendationList, fetchJson } from "./recommendations.js";

const root = document.querySelector("[data-recommendations]");
if (root) {
  const list = new RecommendationList(root, {
    fetchList: (seed) => fetchJson(`${root.dataset.listUrl}${seed === null ? "" : `&seed=${seed}`}`),
  });
  list.render(readJson("recommendations-data"));
}
