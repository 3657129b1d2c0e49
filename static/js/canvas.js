// The drawing pad: Pointer Events (mouse, finger, pen), strokes kept as point lists (x, y, time,
// pressure) so Undo can redraw and the server can store what the pen did. While the pen moves, a
// debounced live guess (a preview: not stored) updates the answer. A drawing is everything drawn
// between an empty canvas and Clear: its id is made when its first stroke starts, and every
// pen-up and Undo stores the drawing as it is now under that id (PUT /api/drawings/{id}, numbered,
// so the server ignores an update overtaken by a later one); Undo back to an empty canvas
// withdraws it (DELETE). An answer older than the newest request is dropped, so a slow answer
// never overwrites a newer one. A pen-up answer slower than THINKING_AFTER_MS shows that it is
// thinking; a failed one says so in words, keeps the drawing and offers to send the same update
// again (same id and sequence number, so the server applies it at most once).
(function () {
  "use strict";
  const config = window.DIGITSITE;
  const pad = document.getElementById("pad");
  const ctx = pad.getContext("2d");
  const digitOut = document.getElementById("digit");
  const confidenceOut = document.getElementById("confidence");
  const statusOut = document.getElementById("status");
  const resultRegion = document.getElementById("result");
  const announcement = document.getElementById("announcement");
  const retryButton = document.getElementById("retry");
  const preview = document.getElementById("preview");
  const correction = document.getElementById("correction");
  const bars = Array.from(document.querySelectorAll("#bars li"));

  const strokes = [];   // each stroke: {pointerType, points: [{x, y, t, pressure}]}, x and y in CSS pixels
  let current = null;
  let requestSeq = 0;   // id of the newest prediction request
  let drawingId = null; // the stored drawing the shown answer belongs to
  let drawing = null;   // the drawing being drawn: {id, sequence, startedAt, writes}
  let liveTimer = null;
  const LIVE_DEBOUNCE_MS = 150;
  const THINKING_AFTER_MS = 150;
  let pendingSeq = null;    // the pen-up update the answer region waits for (aria-busy)
  let thinkingTimer = null;
  let failedUpdate = null;  // {target, body, penUpAt}: the update Try again sends once more

  function drawingStart(startedAt) {
    drawing = { id: newKey(), sequence: 0, startedAt: startedAt, writes: [] };
    pad.dataset.drawingId = drawing.id;
  }

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
    redraw(ctx, size, screenColours());
  }

  // On screen the pad follows the colour scheme; the PNG sent is always dark ink on white paper,
  // the scheme the model was trained and tested on, whatever the page looks like.
  const PAPER_COLOURS = { paper: "#ffffff", ink: "#111111" };
  function screenColours() {
    if (document.documentElement.dataset.theme !== "dark") return PAPER_COLOURS;
    const style = getComputedStyle(document.documentElement);
    return { paper: style.getPropertyValue("--pad-paper").trim() || "#16181c", ink: "#f2f3f5" };
  }

  function paintStroke(context, stroke) {
    const points = stroke.points;
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

  function redraw(context, size, colours) {
    context.fillStyle = colours.paper;
    context.fillRect(0, 0, size.w, size.h);
    context.strokeStyle = context.fillStyle = colours.ink;
    context.lineWidth = lineWidth(size);
    context.lineCap = "round";
    context.lineJoin = "round";
    strokes.forEach((stroke) => paintStroke(context, stroke));
    if (current) paintStroke(context, current);
  }

  function exportPng() {
    const size = cssSize();
    const off = document.createElement("canvas");
    off.width = size.w;
    off.height = size.h;
    redraw(off.getContext("2d"), size, PAPER_COLOURS);
    return off.toDataURL("image/png");
  }

  function clamp(value, low, high) { return Math.min(high, Math.max(low, value)); }

  // A pen captured by the pad may wander outside it: its points are kept on the pad's edge, so
  // the strokes stored are exactly what was painted.
  function point(event, previous) {
    const rect = pad.getBoundingClientRect();
    const t = Math.max(previous ? previous.t : 0, Math.round((event.timeStamp - drawing.startedAt) * 10) / 10);
    return {
      x: Math.round(clamp(event.clientX - rect.left, 0, Math.round(rect.width)) * 100) / 100,
      y: Math.round(clamp(event.clientY - rect.top, 0, Math.round(rect.height)) * 100) / 100,
      t: t,
      pressure: Math.round(clamp(event.pressure || 0, 0, 1) * 1000) / 1000,
    };
  }

  function lastPoint() {
    if (current && current.points.length) return current.points[current.points.length - 1];
    const stroke = strokes[strokes.length - 1];
    return stroke ? stroke.points[stroke.points.length - 1] : null;
  }

  pad.addEventListener("pointerdown", (event) => {
    if (event.button !== undefined && event.button > 0) return;
    event.preventDefault();
    pad.setPointerCapture(event.pointerId);
    if (!drawing) drawingStart(event.timeStamp);
    current = { pointerType: event.pointerType || "mouse", points: [] };
    current.points.push(point(event, lastPoint()));
    redraw(ctx, cssSize(), screenColours());
  });
  pad.addEventListener("pointermove", (event) => {
    if (!current) return;
    event.preventDefault();
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    (events.length ? events : [event]).forEach((e) => current.points.push(point(e, lastPoint())));
    redraw(ctx, cssSize(), screenColours());
    clearTimeout(liveTimer);
    liveTimer = setTimeout(predictLive, LIVE_DEBOUNCE_MS);
  });
  function endStroke(event) {
    if (!current) return;
    event.preventDefault();
    clearTimeout(liveTimer);
    strokes.push(current);
    current = null;
    redraw(ctx, cssSize(), screenColours());
    drawingUpdate(performance.now());
  }
  pad.addEventListener("pointerup", endStroke);
  pad.addEventListener("pointercancel", endStroke);

  document.getElementById("undo").addEventListener("click", () => {
    if (current) return;
    strokes.pop();
    redraw(ctx, cssSize(), screenColours());
    if (strokes.length) {
      drawingUpdate();
    } else {
      drawingWithdraw();
      showEmpty();
    }
  });
  // Clear finishes the drawing: it stays stored as it was last sent; the next stroke starts a new one.
  document.getElementById("clear").addEventListener("click", () => {
    if (current) return;
    strokes.length = 0;
    drawing = null;
    delete pad.dataset.drawingId;
    redraw(ctx, cssSize(), screenColours());
    showEmpty();
  });

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
      (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16));
  }

  // status 0: the request never got an answer (network down, connection dropped).
  class RequestError extends Error {
    constructor(message, status, retryAfter) { super(message); this.status = status; this.retryAfter = retryAfter; }
  }

  // PUT and DELETE are safe to repeat (a drawing update is numbered), so a request the network
  // lost is sent once more.
  async function send(url, method, body) {
    let response;
    for (let attempt = 0; ; attempt++) {
      try {
        response = await fetch(url, {
          method: method,
          headers: { "Content-Type": "application/json", "X-CSRFToken": window.csrfToken() },
          credentials: "same-origin",
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        break;
      } catch (error) {
        if (method === "POST" || attempt >= 1) throw new RequestError(error.message, 0);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    }
    if (response.status === 204) return null;
    const data = await response.json().catch(() => ({ error: "unexpected response from the server" }));
    if (!response.ok) {
      throw new RequestError(data.error || ("request failed: " + response.status), response.status,
        Number(response.headers.get("Retry-After")) || null);
    }
    return data;
  }

  // What went wrong, for a person: never the browser's "Failed to fetch". `kept` says what is
  // safe and what to do ("Your drawing is kept: try again.").
  function problemText(error, kept) {
    const later = (when) => kept.replace(/\.$/, "") + " " + when + ".";
    if (error.status === 0) return "Couldn't reach the server, so no answer yet. " + kept;
    if (error.status === 429) {
      return "Too many drawings in a short time. " + later(error.retryAfter ? "in " + error.retryAfter + " s" : "in a moment");
    }
    if (error.status === 503) return "Predictions are unavailable right now. " + later("in a moment");
    if (!error.status || error.status >= 500) return "The server had a problem answering. " + kept;
    if (error.status === 413) return "This drawing has too many strokes to store. Undo a few, or Clear to start again.";
    return "The server could not use this drawing (" + error.message + "). Add to it, Undo, or Clear.";
  }

  function pendingStart(seq) {
    pendingSeq = seq;
    resultRegion.setAttribute("aria-busy", "true");
    clearTimeout(thinkingTimer);
    thinkingTimer = setTimeout(() => {
      if (pendingSeq !== seq) return;
      statusSay("Thinking…", "thinking");
    }, THINKING_AFTER_MS);
  }

  // Done waiting (answered, failed, or overtaken by an empty pad); a newer update keeps it busy.
  function pendingEnd(seq) {
    if (seq !== undefined && seq !== pendingSeq) return;
    pendingSeq = null;
    clearTimeout(thinkingTimer);
    resultRegion.removeAttribute("aria-busy");
    if (statusOut.classList.contains("thinking")) statusSay("");
  }

  function statusSay(text, kind) {
    statusOut.textContent = text;
    statusOut.classList.toggle("thinking", kind === "thinking");
    statusOut.classList.toggle("thanks", kind === "thanks");
  }

  function strokesPayload(size) {
    return {
      canvas_width: size.w,
      canvas_height: size.h,
      strokes: strokes.map((stroke) => ({
        pointer_type: stroke.pointerType === "touch" || stroke.pointerType === "pen" ? stroke.pointerType : "mouse",
        x: stroke.points.map((p) => Math.min(p.x, size.w)),
        y: stroke.points.map((p) => Math.min(p.y, size.h)),
        t: stroke.points.map((p) => p.t),
        pressure: stroke.points.map((p) => p.pressure),
      })),
    };
  }

  async function predictLive() {
    if (!current || current.points.length < 3) return;
    const seq = ++requestSeq;
    try {
      const data = await send(config.predictUrl, "POST", { image: exportPng(), preview: true });
      if (seq !== requestSeq) return; // the pen has moved on (or lifted) since
      showResult(data);
    } catch (error) { /* a live guess may fail (e.g. a dot): the pen-up answer will tell */ }
  }

  // The drawing as it is now, stored under its id (the pen-up answer comes back with it).
  function drawingUpdate(penUpAt, isRetry) {
    if (!drawing) drawingStart(performance.now());
    const target = drawing;
    target.sequence += 1;
    const body = { image: exportPng(), strokes: strokesPayload(cssSize()), sequence: target.sequence };
    return drawingSend(target, body, penUpAt, isRetry);
  }

  // Sends one numbered update; Try again calls it with the same target and body.
  async function drawingSend(target, body, penUpAt, isRetry) {
    const seq = ++requestSeq;
    failedUpdate = null;
    if (document.activeElement === retryButton) resultRegion.focus(); // not lost to <body> as it hides
    retryButton.hidden = true;
    pendingStart(seq);
    const write = send(config.drawingsUrl + target.id, "PUT", body);
    target.writes.push(write.catch(() => null));
    try {
      const data = await write;
      if (seq !== requestSeq) return; // a newer update (or drawing) has been sent since
      pendingEnd(seq);
      showResult(data);
      announce(data);
      if (penUpAt !== undefined) {
        const ms = Math.round(performance.now() - penUpAt);
        pad.dataset.answerMs = String(ms);
        document.getElementById("answer-time").textContent = "answered in " + ms + " ms";
      }
    } catch (error) {
      if (seq !== requestSeq) return;
      pendingEnd(seq);
      if (error.status === 409 && drawing === target && !isRetry) {
        // Settled (reviewed, or past its edit window) while still on the pad: what is drawn
        // becomes a new drawing.
        drawingStart(target.startedAt);
        drawingUpdate(penUpAt, true);
        return;
      }
      showEmpty();
      statusSay(problemText(error, "Your drawing is kept: try again."));
      if (drawing === target && (error.status === 0 || error.status === 429 || error.status >= 500)) {
        failedUpdate = { target: target, body: body, penUpAt: penUpAt };
        retryButton.hidden = false;
      }
    }
  }

  // The same update once more: same id, same sequence number, so it is stored at most once.
  retryButton.addEventListener("click", () => {
    if (!failedUpdate || failedUpdate.target !== drawing) return;
    const update = failedUpdate;
    drawingSend(update.target, update.body, update.penUpAt, false);
  });

  // Said once per stored answer (the live guesses and bar changes are not announced).
  function announce(data) {
    announcement.textContent = data.verdict === "not_a_digit" ? "That doesn't look like a digit." :
      "It's a " + data.digit + ", " + verdictText(data) + ".";
  }

  // Undone back to an empty canvas: the drawing is withdrawn once every update sent for it has
  // been answered, so none of them can arrive after the withdrawal and bring it back.
  function drawingWithdraw() {
    const target = drawing;
    drawing = null;
    delete pad.dataset.drawingId;
    if (!target || !target.writes.length) return;
    Promise.all(target.writes)
      .then(() => send(config.drawingsUrl + target.id, "DELETE"))
      .catch(() => { /* never stored, or already settled: nothing to withdraw */ });
  }

  function showResult(data) {
    drawingId = data.id || null; // a live preview has no stored drawing yet
    digitOut.textContent = data.verdict === "not_a_digit" ? "–" : String(data.digit);
    confidenceOut.textContent = verdictText(data);
    if (pendingSeq === null) statusSay("");
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
    correction.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", String(labelOf(b) === userLabel(data))));
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
    pendingEnd();
    failedUpdate = null;
    retryButton.hidden = true;
    drawingId = null;
    document.getElementById("answer-time").textContent = "";
    digitOut.textContent = "?";
    confidenceOut.textContent = "";
    statusSay("");
    bars.forEach((bar) => {
      bar.querySelector(".fill").style.width = "0";
      bar.querySelector(".bar-value").textContent = "0%";
      bar.classList.remove("top");
    });
    preview.hidden = true;
    correction.disabled = true;
    correction.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", "false"));
  }

  correction.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-label]");
    if (!button || !drawingId) return;
    try {
      const data = await send(config.drawingsUrl + drawingId, "PATCH", { label: labelOf(button) });
      correction.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
      statusSay(data.user_says_not_a_digit ? "Thanks! Saved as not a digit." : "Thanks! Saved as a " + data.user_label + ".", "thanks");
    } catch (error) {
      const refused = error.status >= 400 && error.status < 500 && error.status !== 429;
      statusSay(refused ? "That correction could not be saved (" + error.message + ")." :
        problemText(error, "Your correction was not saved: try again."));
    }
  });

  window.addEventListener("resize", resize);
  document.addEventListener("digitsite:theme", () => redraw(ctx, cssSize(), screenColours()));
  resize();
})();
