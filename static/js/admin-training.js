// Live progress for training jobs in the admin. Everything on a page that changes while a job
// runs (status, bar, its text, duration) is drawn by render() from one reading of the progress
// endpoint, so the parts never disagree. Polls every 1.5 s while any shown job is queued or
// running; a job's own page reloads when its status changes (to show its start, end, error,
// curves, confusion matrix and version as the server renders them).
(function () {
  "use strict";
  const isActive = (status) => status === "queued" || status === "running";

  function renderBar(bar, percent, status, text) {
    const fill = bar.querySelector(".job-progress-fill");
    fill.style.width = percent + "%"; // CSSOM, allowed by a 'self'-only Content-Security-Policy
    fill.className = "job-progress-fill status-" + status;
    bar.querySelector(".job-progress-text").textContent = text;
    bar.setAttribute("aria-valuenow", String(percent));
    bar.dataset.percent = String(percent);
    bar.dataset.status = status;
  }

  function render(job) {
    document.querySelectorAll('.job-progress[data-job-id="' + job.id + '"]').forEach((bar) => {
      renderBar(bar, job.percent, job.status, job.text);
    });
    document.querySelectorAll('[data-job-field][data-job-id="' + job.id + '"]').forEach((field) => {
      const name = field.dataset.jobField;
      if (name === "status") {
        field.textContent = job.status_display;
        field.className = "job-status status-" + job.status;
      } else if (name in job) {
        field.textContent = job[name];
      }
    });
  }

  function start() {
    const root = document.getElementById("job-progress-root");
    if (!root) return;
    const url = root.dataset.progressUrl;
    const reloadOnStatusChange = root.dataset.reloadOnStatusChange === "1";
    const bars = () => Array.from(document.querySelectorAll(".job-progress[data-job-id]"));
    bars().forEach((bar) => renderBar(bar, Number(bar.dataset.percent || 0), bar.dataset.status,
      bar.querySelector(".job-progress-text").textContent));

    async function poll() {
      const pending = bars().filter((bar) => isActive(bar.dataset.status));
      if (!pending.length) return;
      try {
        const ids = Array.from(new Set(pending.map((b) => b.dataset.jobId)));
        const response = await fetch(url + "?ids=" + ids.join(","), { credentials: "same-origin" });
        const data = await response.json();
        for (const job of data.jobs) {
          const shown = document.querySelector('.job-progress[data-job-id="' + job.id + '"]');
          const changed = shown && shown.dataset.status !== job.status;
          render(job);
          if (changed && reloadOnStatusChange) { window.location.reload(); return; }
        }
      } catch (error) { /* keep polling: a restart of the web server should not stop the bar */ }
      setTimeout(poll, 1500);
    }
    setTimeout(poll, 1000);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
