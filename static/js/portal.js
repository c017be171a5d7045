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
