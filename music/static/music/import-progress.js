// Live progress on an import's admin page. The server pushes
// {"event": "music.import", "payload": {id, status, percent, summary, error}}
// over the signed-in user's /ws/events/ socket; the page reloads when the import
// ends, to show its full summary.
(function () {
  "use strict";

  function start() {
    var box = document.querySelector("[data-import-job]");
    if (!box || box.dataset.finished === "true" || !("WebSocket" in window)) return;
    var id = Number(box.dataset.importJob);
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    var socket = new WebSocket(scheme + "//" + window.location.host + "/ws/events/");

    socket.addEventListener("message", function (message) {
      var data = JSON.parse(message.data);
      if (data.event !== "music.import" || !data.payload || data.payload.id !== id) return;
      var job = data.payload;
      box.querySelector("progress").value = job.percent;
      box.querySelector("[data-percent]").textContent = job.percent + "%";
      var status = job.status;
      if (job.summary && job.summary.rows !== undefined) {
        status += " · " + job.summary.rows + " rows, " + job.summary.created + " created, " +
          job.summary.updated + " updated, " + job.summary.skipped + " skipped";
      }
      box.querySelector("[data-status]").textContent = status;
      if (job.status === "succeeded" || job.status === "failed") {
        socket.close();
        window.location.reload();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
