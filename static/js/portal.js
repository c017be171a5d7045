// Behaviour shared by every page. No inline scripts: the pages can run under a strict
// Content-Security-Policy.
(function () {
  "use strict";

  // Export and import buttons follow the list's current filters: an HTMX swap changes the
  // address bar, so each link marked data-follow-query takes the current query string
  // (plus its own fixed parameters, e.g. export=xlsx).
  function followQuery() {
    var query = new URLSearchParams(window.location.search);
    query.delete("page");
    document.querySelectorAll("a[data-follow-query]").forEach(function (link) {
      var base = link.getAttribute("href").split("?")[0];
      var params = new URLSearchParams(query);
      var extra = link.getAttribute("data-query-extra");
      if (extra) {
        new URLSearchParams(extra).forEach(function (value, key) { params.set(key, value); });
      }
      var text = params.toString();
      link.setAttribute("href", text ? base + "?" + text : base);
    });
  }

  document.addEventListener("htmx:pushedIntoHistory", followQuery);
  document.addEventListener("htmx:replacedInHistory", followQuery);
  window.addEventListener("popstate", followQuery);
})();

// Small behaviours declared by data attributes (the CSP forbids inline handlers):
// - <select data-autosubmit> submits its form when changed (the language switch);
// - <button data-print> prints the page;
// - <form data-confirm="question?"> asks before it is submitted;
// - <a data-history-back> goes back a page (its href is the fallback without history).
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.submit();
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    if (event.target.closest("[data-print]")) {
      window.print();
      return;
    }
    var back = event.target.closest("a[data-history-back]");
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();

// Computed widths (progress bars): the CSP allows no style attributes, so a bar carries
// data-width="42" and gets its width here, through the CSSOM, on load and in every HTMX swap
// (a job's progress is polled every second).
(function () {
  "use strict";

  function applyWidths(root) {
    root.querySelectorAll("[data-width]").forEach(function (bar) {
      var percent = Math.max(0, Math.min(100, parseFloat(bar.getAttribute("data-width")) || 0));
      bar.style.width = percent + "%";
    });
  }

  document.addEventListener("DOMContentLoaded", function () { applyWidths(document); });
  document.addEventListener("htmx:load", function (event) {
    var element = event.detail && event.detail.elt;
    if (element && element.querySelectorAll) {
      applyWidths(element.parentNode || element);
    }
  });
})();
