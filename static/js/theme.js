// Colour scheme: the system's (prefers-color-scheme) unless the person chose one with the header's
// toggle, which is remembered in localStorage. Loaded in <head> without defer, so the chosen
// scheme is on <html data-theme> before the first paint (no flash of the other scheme).
(function () {
  "use strict";
  const KEY = "digitsite-theme";
  const root = document.documentElement;
  const system = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function stored() {
    try {
      const value = localStorage.getItem(KEY);
      return value === "dark" || value === "light" ? value : null;
    } catch (error) { return null; } // storage refused (privacy mode): follow the system
  }

  function current() { return stored() || (system && system.matches ? "dark" : "light"); }

  function apply() {
    const theme = current();
    root.dataset.theme = theme;
    const toggle = document.getElementById("theme-toggle");
    if (toggle) toggle.setAttribute("aria-pressed", String(theme === "dark"));
    document.dispatchEvent(new CustomEvent("digitsite:theme", { detail: { theme: theme } }));
  }

  apply();
  if (system && system.addEventListener) system.addEventListener("change", apply);
  document.addEventListener("DOMContentLoaded", () => {
    const toggle = document.getElementById("theme-toggle");
    if (!toggle) return;
    toggle.addEventListener("click", () => {
      try { localStorage.setItem(KEY, current() === "dark" ? "light" : "dark"); } catch (error) { /* not remembered */ }
      apply();
    });
    apply();
  });
})();
