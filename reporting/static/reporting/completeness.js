// Reporting completeness: on time, late, not filed and not yet due per unit below (stacked bars).
(function () {
  var el = document.getElementById("completeness-chart");
  if (!el) return;
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var colours = {on_time: "#198754", late: "#ffc107", not_filed: "#dc3545", pending: "#adb5bd"};
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: {trigger: "axis", renderMode: "richText"}, legend: {top: 0}, grid: {left: 40, right: 10, top: 40, bottom: 70},
    xAxis: {type: "category", data: data.categories, axisLabel: {rotate: 40}}, yAxis: {type: "value"},
    series: data.series.map(function (s) { return {name: s.name, type: "bar", stack: "all", data: s.data, itemStyle: {color: colours[s.key]}}; })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
