// The scoring page: a quick-pick button puts its points in the field and saves them
// (the field's own "change" trigger sends them with HTMX).
document.querySelectorAll(".quick-point").forEach(function (button) {
  button.addEventListener("click", function () {
    var input = document.getElementById("id_points");
    input.value = button.dataset.points;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
});

// A refused score (above the maximum, below zero, after the deadline...) comes back as
// 422 with the reason; htmx swaps no error answer by default, so the status line would
// keep its last "saved" and the assessor would never learn the points were not kept.
document.body.addEventListener("htmx:beforeSwap", function (event) {
  var detail = event.detail;
  if (detail.xhr && detail.xhr.status === 422 && detail.target && detail.target.id === "save-status") {
    detail.shouldSwap = true;
    detail.isError = false;
  }
});
