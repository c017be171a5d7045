// The scoring page: a quick-pick button puts its points in the field and saves them
// (the field's own "change" trigger sends them with HTMX).
document.querySelectorAll(".quick-point").forEach(function (button) {
  button.addEventListener("click", function () {
    var input = document.getElementById("id_points");
    input.value = button.dataset.points;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
});
