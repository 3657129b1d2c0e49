// Review one drawing at a time, by keyboard or by tapping: 0-9 label, Enter confirm, x reject,
// u/Backspace undo, s skip. Each decision names the label_version it saw, so a concurrent edit is
// refused (409) instead of silently overwritten. Undo restores the previous decision on the server.
// The page is drawn by render() from one state object, filled from the server's answers (the
// drawing shown, how many are left, how many of those were skipped), so its parts never disagree.
(function () {
  "use strict";
  const root = document.getElementById("review");
  const nextUrl = root.dataset.nextUrl;
  const decideUrl = (id) => root.dataset.decideUrl.replace("00000000-0000-0000-0000-000000000000", id);
  const $ = (id) => document.getElementById(id);
  const state = {
    current: null, // the drawing on screen, or null when none is left to show
    remaining: null, // unreviewed drawings on the server, skipped ones included (null: not loaded yet)
    skipped: [], // ids set aside this visit
    skippedLeft: 0, // how many of those are still unreviewed
    decisions: [], // this visit's, for undo: {before: drawing-json, after: drawing-json}
    busy: false,
  };

  function render() {
    const drawing = state.current;
    const loaded = state.remaining !== null;
    $("review-remaining").textContent = drawing
      ? state.remaining + " left to review" + (state.skippedLeft ? " (" + state.skippedLeft + " skipped)" : "")
      : "";
    $("review-card").hidden = !drawing;
    $("review-done").hidden = !loaded || !!drawing;
    $("review-done-text").textContent = state.remaining
      ? "Nothing left to review but the " + state.remaining + " you skipped."
      : "Nothing left to review. Well done.";
    $("review-restart").hidden = !state.remaining;
    // One polite announcement per change of what is on screen: the count, or the end state.
    const summary = drawing ? $("review-remaining").textContent : loaded ? $("review-done-text").textContent : "";
    if ($("review-announce").textContent !== summary) $("review-announce").textContent = summary;
    document.querySelectorAll(".review-digit").forEach((button) => {
      button.disabled = !drawing || state.busy;
      button.classList.toggle("predicted", !!drawing && Number(button.dataset.label) === drawing.predicted_digit);
    });
    $("review-reject").disabled = $("review-skip").disabled = !drawing || state.busy;
    $("review-undo").disabled = !state.decisions.length || state.busy;
    if (!drawing) return;
    $("review-image").src = drawing.image_url;
    $("review-input").src = drawing.input_url;
    $("review-predicted").textContent = drawing.predicted_digit + " (" + Math.round(drawing.confidence * 100) + "%)";
    $("review-user-label").textContent = drawing.user_label === null ? "nothing" : String(drawing.user_label);
  }

  async function getJson(url, options) {
    const response = await fetch(url, { credentials: "same-origin", ...options });
    let data = {};
    try { data = await response.json(); } catch (error) { /* an HTML error page */ }
    if (!response.ok) throw new Error(data.error || "The server answered " + response.status + ": try again.");
    return data;
  }

  async function loadNext() {
    const data = await getJson(nextUrl + "?skip=" + state.skipped.join(","));
    state.current = data.drawing;
    state.remaining = data.remaining;
    state.skippedLeft = data.skipped || 0;
  }

  function decide(drawing, body) {
    return getJson(decideUrl(drawing.id), {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": window.csrfToken() },
      body: JSON.stringify({ ...body, expected_version: drawing.label_version }),
    });
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

  // One step at a time: a second key or tap while the server answers is ignored, not queued.
  async function step(work) {
    if (state.busy) return;
    state.busy = true;
    $("review-status").textContent = "";
    render();
    try { await work(); } catch (error) {
      $("review-status").textContent = error.message === "Failed to fetch"
        ? "The server could not be reached: nothing was lost, try again." : error.message;
    } finally { state.busy = false; render(); }
  }

  function act(body) {
    if (!state.current) return;
    step(async () => {
      const data = await decide(state.current, body);
      state.decisions.push({ before: state.current, after: data.drawing });
      log(describe(data.drawing));
      await loadNext();
    });
  }

  function undo() {
    if (!state.decisions.length) return;
    step(async () => {
      const last = state.decisions[state.decisions.length - 1];
      const before = last.before;
      const body = before.review_status === "unreviewed" ? { unreview: true }
        : before.review_status === "rejected" ? { reject: true } : { label: before.label };
      const data = await decide(last.after, body);
      state.decisions.pop();
      log("undone: back to " + describe(data.drawing));
      state.skipped = state.skipped.filter((id) => id !== data.drawing.id);
      state.current = data.drawing;
      state.remaining = data.remaining;
    });
  }

  function skip() {
    if (!state.current) return;
    const id = state.current.id;
    step(async () => { state.skipped.push(id); await loadNext(); });
  }

  function restart() {
    step(async () => { state.skipped = []; await loadNext(); });
  }

  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select, button, a") && event.key === "Enter") return;
    if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (/^[0-9]$/.test(event.key)) act({ label: Number(event.key) });
    else if (event.key === "Enter" && state.current) act({ label: state.current.predicted_digit });
    else if (event.key === "x" || event.key === "X") act({ reject: true });
    else if (event.key === "u" || event.key === "Backspace") undo();
    else if (event.key === "s" && state.current) skip();
    else return;
    event.preventDefault();
  });
  document.querySelectorAll(".review-digit").forEach((button) => {
    button.addEventListener("click", () => act({ label: Number(button.dataset.label) }));
  });
  $("review-reject").addEventListener("click", () => act({ reject: true }));
  $("review-skip").addEventListener("click", skip);
  $("review-undo").addEventListener("click", undo);
  $("review-restart").addEventListener("click", restart);

  render();
  step(loadNext);
})();
