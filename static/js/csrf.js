// The CSRF token for a same-origin POST/PUT/DELETE, read from Django's csrftoken cookie: one copy
// for every page script (load it before the script that sends, e.g. with defer in that order).
(function () {
  "use strict";
  window.csrfToken = function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  };
})();
