// The admin drawing page replays the strokes the person drew: each stored point appears when its
// time (ms since the first pen-down) comes, so strokes come in their order and at their pace,
// pauses between them included. Painted like the canvas page paints (round dark pen on white).
// The strokes come from a JSON script element (json_script): no inline script runs.
(function () {
  "use strict";

  function setUp(root) {
    const data = JSON.parse(document.getElementById(root.dataset.strokesId).textContent);
    const canvas = root.querySelector("canvas");
    const button = root.querySelector("button");
    const status = root.querySelector(".stroke-replay-status");
    const scale = Math.min(1, 280 / Math.max(data.canvas_width, data.canvas_height));
    const ratio = window.devicePixelRatio || 1;
    canvas.style.width = Math.round(data.canvas_width * scale) + "px";
    canvas.style.height = Math.round(data.canvas_height * scale) + "px";
    canvas.width = Math.round(data.canvas_width * scale * ratio);
    canvas.height = Math.round(data.canvas_height * scale * ratio);
    const ctx = canvas.getContext("2d");
    const total = data.strokes.reduce((sum, stroke) => sum + stroke.x.length, 0);
    const lastT = data.strokes.reduce((t, stroke) => Math.max(t, stroke.t[stroke.t.length - 1] || 0), 0);
    let frame = null;

    function paper() {
      ctx.setTransform(scale * ratio, 0, 0, scale * ratio, 0, 0);
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, data.canvas_width, data.canvas_height);
      ctx.strokeStyle = ctx.fillStyle = "#111111";
      ctx.lineWidth = Math.max(6, Math.round(Math.min(data.canvas_width, data.canvas_height) / 14));
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
    }

    // Paints every point up to `until` ms; returns how many points that is.
    function paintUntil(until) {
      paper();
      let painted = 0;
      data.strokes.forEach((stroke) => {
        let n = 0;
        while (n < stroke.t.length && stroke.t[n] <= until) n++;
        if (!n) return;
        painted += n;
        ctx.beginPath();
        if (n === 1) {
          ctx.arc(stroke.x[0], stroke.y[0], ctx.lineWidth / 2, 0, 2 * Math.PI);
          ctx.fill();
          return;
        }
        ctx.moveTo(stroke.x[0], stroke.y[0]);
        for (let i = 1; i < n; i++) ctx.lineTo(stroke.x[i], stroke.y[i]);
        ctx.stroke();
      });
      return painted;
    }

    function play() {
      cancelAnimationFrame(frame);
      const started = performance.now();
      root.dataset.state = "playing";
      function step(now) {
        const elapsed = now - started;
        const painted = paintUntil(elapsed);
        root.dataset.painted = String(painted);
        status.textContent = painted + " of " + total + " points, " + (elapsed / 1000).toFixed(1) + " s";
        if (painted < total) {
          frame = requestAnimationFrame(step);
        } else {
          root.dataset.state = "done";
          root.dataset.playedMs = String(Math.round(elapsed));
          status.textContent = data.strokes.length + " strokes, " + total + " points, drawn in " +
            (lastT / 1000).toFixed(1) + " s";
        }
      }
      frame = requestAnimationFrame(step);
    }

    button.addEventListener("click", play);
    play();
  }

  function start() { document.querySelectorAll(".stroke-replay[data-strokes-id]").forEach(setUp); }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
