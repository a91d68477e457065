// Recommendations on a detection's result page: loaded once the analysis finds a face,
// and again when another face is chosen to pick the music. static/js/emotions/result.js
// sends "fermusic:detection-change" whenever the detection on the page changes.

import { readJson } from "../emotions/dom.js";
import { RecommendationList, fetchJson } from "./recommendations.js";

const PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000";
const root = document.querySelector("[data-recommendations]");

if (root) {
  let detectionId = null;
  let shownFor = null;
  const list = new RecommendationList(root, {
    fetchList: (seed) =>
      fetchJson(
        `${root.dataset.apiUrl.replace(PLACEHOLDER_ID, detectionId)}${seed === null ? "" : `?seed=${seed}`}`,
      ),
  });
  const title = root.querySelector("[data-rec-title]");

  const follow = (detection) => {
    const face =
      detection.status === "done" && detection.faces.length
        ? detection.faces.find((f) => f.index === (detection.selected_face ?? 0)) || detection.faces[0]
        : null;
    if (!face) {
      root.hidden = true;
      shownFor = null;
      return;
    }
    const key = `${detection.id}:${face.index}:${face.emotion}`;
    if (key === shownFor) return;
    shownFor = key;
    detectionId = detection.id;
    title.textContent = detection.faces.length > 1 ? `Music for face ${face.index + 1}` : "Music for how you feel";
    root.hidden = false;
    // The result page already announces which face now picks the music.
    list.reload({ seed: null });
  };

  follow(readJson("detection-data"));
  document.addEventListener("fermusic:detection-change", (event) => follow(event.detail));
}
