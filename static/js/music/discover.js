// The Discover page: the server rendered the list; rating a song reranks it in place.

import { RecommendationList } from "./recommendations.js";

const root = document.querySelector("[data-recommendations]");
if (root) new RecommendationList(root);
