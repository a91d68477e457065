// Live progress on an import's admin page. The server pushes
// {"event": "music.import", "payload": {id, status, percent, summary, error}}
// over the signed-in user's /ws/events/ socket; the page reloads when the import
// ends, to show its full summary. A module script: it runs once the page is parsed.
import { socketUrl } from "../js/socket.js";

function start() {
  const box = document.querySelector("[data-import-job]");
  if (!box || box.dataset.finished === "true" || !("WebSocket" in window)) return;
  const id = Number(box.dataset.importJob);
  const socket = new WebSocket(socketUrl("/ws/events/"));

  socket.addEventListener("message", (message) => {
    const data = JSON.parse(message.data);
    if (data.event !== "music.import" || !data.payload || data.payload.id !== id) return;
    const job = data.payload;
    box.querySelector("progress").value = job.percent;
    box.querySelector("[data-percent]").textContent = `${job.percent}%`;
    let status = job.status;
    if (job.summary && job.summary.rows !== undefined) {
      status += ` · ${job.summary.rows} rows, ${job.summary.created} created, ` +
        `${job.summary.updated} updated, ${job.summary.skipped} skipped`;
    }
    box.querySelector("[data-status]").textContent = status;
    if (job.status === "succeeded" || job.status === "failed") {
      socket.close();
      window.location.reload();
    }
  });
}

start();
