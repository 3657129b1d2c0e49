// The drawing pad: Pointer Events (mouse, finger, pen), strokes kept as point lists so Undo can
// redraw. While the pen moves, a debounced live guess (a preview: not stored) updates the answer;
// when it lifts, the drawing is sent for good and stored. Every request carries a sequence
// number and an answer older than the newest request is dropped, so a slow answer never
// overwrites a newer one.
(function () {
  "use strict";
  const config = window.DIGITSITE;
  const pad = document.getElementById("pad");
  const ctx = pad.getContext("2d");
  const digitOut = document.getElementById("digit");
  const confidenceOut = document.getElementById("confidence");
  const statusOut = document.getElementById("status");
  const preview = document.getElementById("preview");
  const correction = document.getElementById("correction");
  const bars = Array.from(document.querySelectorAll("#bars li"));

  const strokes = [];   // each stroke: array of {x, y} in CSS pixels
  let current = null;
  let requestSeq = 0;   // id of the newest prediction request
  let drawingId = null; // the stored drawing the shown answer belongs to
  let liveTimer = null;
  const LIVE_DEBOUNCE_MS = 150;

  function cssSize() {
    const rect = pad.getBoundingClientRect();
    return { w: Math.round(rect.width), h: Math.round(rect.height) };
  }

  function lineWidth(size) { return Math.max(6, Math.round(Math.min(size.w, size.h) / 14)); }

  // The bitmap follows devicePixelRatio for crisp lines; exports use CSS pixels (see exportPng).
  function resize() {
    const size = cssSize();
    const ratio = window.devicePixelRatio || 1;
    pad.width = Math.round(size.w * ratio);
    pad.height = Math.round(size.h * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    redraw(ctx, size);
  }

  function paintStroke(context, points) {
    if (points.length === 1) {
      context.beginPath();
      context.arc(points[0].x, points[0].y, context.lineWidth / 2, 0, 2 * Math.PI);
      context.fill();
      return;
    }
    context.beginPath();
    context.moveTo(points[0].x, points[0].y);
    for (let i = 1; i < points.length - 1; i++) {
      const mid = { x: (points[i].x + points[i + 1].x) / 2, y: (points[i].y + points[i + 1].y) / 2 };
      context.quadraticCurveTo(points[i].x, points[i].y, mid.x, mid.y);
    }
    const last = points[points.length - 1];
    context.lineTo(last.x, last.y);
    context.stroke();
  }

  function redraw(context, size) {
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, size.w, size.h);
    context.strokeStyle = context.fillStyle = "#111111";
    context.lineWidth = lineWidth(size);
    context.lineCap = "round";
    context.lineJoin = "round";
    strokes.forEach((points) => paintStroke(context, points));
    if (current) paintStroke(context, current);
  }

  function exportPng() {
    const size = cssSize();
    const off = document.createElement("canvas");
    off.width = size.w;
    off.height = size.h;
    redraw(off.getContext("2d"), size);
    return off.toDataURL("image/png");
  }

  function point(event) {
    const rect = pad.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  pad.addEventListener("pointerdown", (event) => {
    if (event.button !== undefined && event.button > 0) return;
    event.preventDefault();
    pad.setPointerCapture(event.pointerId);
    current = [point(event)];
    redraw(ctx, cssSize());
  });
  pad.addEventListener("pointermove", (event) => {
    if (!current) return;
    event.preventDefault();
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    (events.length ? events : [event]).forEach((e) => current.push(point(e)));
    redraw(ctx, cssSize());
    clearTimeout(liveTimer);
    liveTimer = setTimeout(predictLive, LIVE_DEBOUNCE_MS);
  });
  function endStroke(event) {
    if (!current) return;
    event.preventDefault();
    clearTimeout(liveTimer);
    strokes.push(current);
    current = null;
    redraw(ctx, cssSize());
    predict(performance.now());
  }
  pad.addEventListener("pointerup", endStroke);
  pad.addEventListener("pointercancel", endStroke);

  document.getElementById("undo").addEventListener("click", () => {
    strokes.pop();
    redraw(ctx, cssSize());
    if (strokes.length) predict(); else showEmpty();
  });
  document.getElementById("clear").addEventListener("click", () => {
    strokes.length = 0;
    redraw(ctx, cssSize());
    showEmpty();
  });

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
      (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16));
  }

  async function send(url, method, body) {
    const response = await fetch(url, {
      method: method,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({ error: "unexpected response from the server" }));
    if (!response.ok) throw new Error(data.error || ("request failed: " + response.status));
    return data;
  }

  async function predictLive() {
    if (!current || current.length < 3) return;
    const seq = ++requestSeq;
    try {
      const data = await send(config.predictUrl, "POST", { image: exportPng(), preview: true });
      if (seq !== requestSeq) return; // the pen has moved on (or lifted) since
      showResult(data);
    } catch (error) { /* a live guess may fail (e.g. a dot): the pen-up answer will tell */ }
  }

  async function predict(penUpAt) {
    const seq = ++requestSeq;
    try {
      const data = await send(config.predictUrl, "POST", { image: exportPng(), idempotency_key: newKey() });
      if (seq !== requestSeq) return; // a newer drawing has been sent since
      showResult(data);
      if (penUpAt !== undefined) {
        const ms = Math.round(performance.now() - penUpAt);
        pad.dataset.answerMs = String(ms);
        statusOut.textContent = "";
        document.getElementById("answer-time").textContent = "answered in " + ms + " ms";
      }
    } catch (error) {
      if (seq !== requestSeq) return;
      showEmpty();
      statusOut.textContent = error.message;
    }
  }

  function showResult(data) {
    drawingId = data.id || null; // a live preview has no stored drawing yet
    digitOut.textContent = data.verdict === "not_a_digit" ? "–" : String(data.digit);
    confidenceOut.textContent = verdictText(data);
    statusOut.textContent = "";
    data.probabilities.forEach((p, d) => {
      const percent = Math.round(p * 100);
      bars[d].querySelector(".fill").style.width = (p * 100).toFixed(1) + "%";
      bars[d].querySelector(".bar-value").textContent = percent + "%";
      bars[d].classList.toggle("top", d === data.digit);
    });
    if (data.input_image) {
      preview.src = data.input_image;
      preview.hidden = false;
    }
    correction.disabled = !drawingId;
    correction.querySelectorAll("button").forEach((b) => b.classList.toggle("chosen", labelOf(b) === userLabel(data)));
  }

  // The verdict in words: a plain "not sure" or "not a digit" rather than a false "100% sure".
  function verdictText(data) {
    if (data.verdict === "not_a_digit") return "That doesn't look like a digit";
    if (data.verdict === "unsure") {
      const ranked = data.probabilities.map((p, d) => [p, d]).sort((a, b) => b[0] - a[0]);
      return "Not sure — a " + ranked[0][1] + " or a " + ranked[1][1] + "?";
    }
    return Math.round(data.confidence * 100) + "% sure";
  }

  function labelOf(button) { return button.dataset.label === "not_a_digit" ? "not_a_digit" : Number(button.dataset.label); }
  function userLabel(data) { return data.user_says_not_a_digit ? "not_a_digit" : data.user_label; }

  function showEmpty() {
    requestSeq++;
    drawingId = null;
    document.getElementById("answer-time").textContent = "";
    digitOut.textContent = "?";
    confidenceOut.textContent = "";
    statusOut.textContent = "";
    bars.forEach((bar) => {
      bar.querySelector(".fill").style.width = "0";
      bar.querySelector(".bar-value").textContent = "0%";
      bar.classList.remove("top");
    });
    preview.hidden = true;
    correction.disabled = true;
  }

  correction.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-label]");
    if (!button || !drawingId) return;
    try {
      const data = await send(config.drawingsUrl + drawingId, "PATCH", { label: labelOf(button) });
      correction.querySelectorAll("button").forEach((b) => b.classList.toggle("chosen", b === button));
      statusOut.textContent = data.user_says_not_a_digit ? "Thanks! Saved as not a digit." : "Thanks! Saved as a " + data.user_label + ".";
    } catch (error) {
      statusOut.textContent = error.message;
    }
  });

  window.addEventListener("resize", resize);
  resize();
})();
