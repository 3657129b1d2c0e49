// Keyboard review: one drawing at a time. 0-9 label, Enter confirm, x reject, u/Backspace undo,
// s skip. Each decision names the label_version it saw, so a concurrent edit is refused (409)
// instead of silently overwritten. Undo restores the previous decision on the server.
(function () {
  "use strict";
  const root = document.getElementById("review");
  const nextUrl = root.dataset.nextUrl;
  const decideUrl = (id) => root.dataset.decideUrl.replace("00000000-0000-0000-0000-000000000000", id);
  const $ = (id) => document.getElementById(id);
  const history = []; // {before: drawing-json, after: drawing-json}
  const skipped = [];
  let current = null;
  let busy = false;

  function csrf() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function show(drawing, remaining) {
    current = drawing;
    $("review-remaining").textContent = remaining + " left to review";
    $("review-card").hidden = !drawing;
    $("review-done").hidden = !!drawing;
    if (!drawing) return;
    $("review-image").src = drawing.image_url;
    $("review-input").src = drawing.input_url;
    $("review-predicted").textContent = drawing.predicted_digit + " (" + Math.round(drawing.confidence * 100) + "%)";
    $("review-user-label").textContent = drawing.user_label === null ? "nothing" : String(drawing.user_label);
  }

  async function loadNext() {
    const response = await fetch(nextUrl + "?skip=" + skipped.join(","), { credentials: "same-origin" });
    const data = await response.json();
    show(data.drawing, data.remaining);
  }

  async function decide(drawing, body) {
    const response = await fetch(decideUrl(drawing.id), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ ...body, expected_version: drawing.label_version }),
    });
    const data = await response.json();
    if (!response.ok) throw new Error(data.error || "failed: " + response.status);
    return data.drawing;
  }

  function describe(drawing) {
    if (drawing.review_status === "rejected") return "rejected";
    if (drawing.review_status === "unreviewed") return "unreviewed";
    return drawing.review_status + " as " + drawing.label;
  }

  function log(text) {
    const item = document.createElement("li");
    item.textContent = text;
    $("review-log").prepend(item);
  }

  async function act(body) {
    if (!current || busy) return;
    busy = true;
    $("review-status").textContent = "";
    try {
      const after = await decide(current, body);
      history.push({ before: current, after: after });
      log(describe(after));
      await loadNext();
    } catch (error) {
      $("review-status").textContent = error.message;
    } finally { busy = false; }
  }

  async function undo() {
    const last = history.pop();
    if (!last || busy) return;
    busy = true;
    const before = last.before;
    const body = before.review_status === "unreviewed" ? { unreview: true }
      : before.review_status === "rejected" ? { reject: true } : { label: before.label };
    try {
      const restored = await decide(last.after, body);
      log("undone: back to " + describe(restored));
      show(restored, Number(($("review-remaining").textContent.match(/\d+/) || [0])[0]) + 1);
    } catch (error) {
      history.push(last);
      $("review-status").textContent = error.message;
    } finally { busy = false; }
  }

  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (/^[0-9]$/.test(event.key)) act({ label: Number(event.key) });
    else if (event.key === "Enter" && current) act({ label: current.predicted_digit });
    else if (event.key === "x" || event.key === "X") act({ reject: true });
    else if (event.key === "u" || event.key === "Backspace") undo();
    else if (event.key === "s" && current) { skipped.push(current.id); loadNext(); }
    else return;
    event.preventDefault();
  });

  loadNext();
})();
