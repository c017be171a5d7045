// The admin's periodic-task form (django-celery-beat): shows the chosen crontab in words under
// the field; its template's inline script, moved here for the Content-Security-Policy.
(function () {
  "use strict";
  var $ = window.django && window.django.jQuery;
  if (!$) return;
  $(function () {
    var readable = JSON.parse(document.getElementById("readable-crontabs").textContent);
    var help = JSON.parse(document.getElementById("crontab-help").textContent);
    $(".field-crontab_translation").hide();
    $(".field-crontab").change(function () {
      var text = $("<span>").text(readable[$("#id_crontab").val()] || "").html();
      $(".field-crontab .help").html($("<span>").text(help).html() + "<br>Translation: " + text);
    });
  });
})();
