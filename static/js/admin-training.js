// Live progress for training jobs in the admin: polls the progress endpoint every 1.5 s while
// any shown job is queued or running, and reloads a job's page when it finishes (to show its
// curves, confusion matrix and version).
(function () {
  "use strict";
  function start() {
    const root = document.getElementById("job-progress-root");
    if (!root) return;
    const url = root.dataset.progressUrl;
    const reloadOnFinish = root.dataset.reloadOnFinish === "1";
    const bars = () => Array.from(document.querySelectorAll(".job-progress[data-job-id]"));
    const active = (bar) => bar.dataset.status === "queued" || bar.dataset.status === "running";

    async function poll() {
      const pending = bars().filter(active);
      if (!pending.length) return;
      try {
        const response = await fetch(url + "?ids=" + pending.map((b) => b.dataset.jobId).join(","), { credentials: "same-origin" });
        const data = await response.json();
        data.jobs.forEach((job) => {
          document.querySelectorAll('.job-progress[data-job-id="' + job.id + '"]').forEach((bar) => {
            const fill = bar.querySelector(".job-progress-fill");
            fill.style.width = job.percent + "%";
            fill.className = "job-progress-fill status-" + job.status;
            bar.querySelector(".job-progress-text").textContent = job.text;
            bar.setAttribute("aria-valuenow", String(job.percent));
            const finished = !(job.status === "queued" || job.status === "running");
            if (finished && bar.dataset.status !== job.status && reloadOnFinish) window.location.reload();
            bar.dataset.status = job.status;
          });
        });
      } catch (error) { /* keep polling: a restart of the web server should not stop the bar */ }
      setTimeout(poll, 1500);
    }
    setTimeout(poll, 1000);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
