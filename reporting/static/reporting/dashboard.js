// The targets dashboard: snapshots by city and status (stacked bars), the share met over time (line).
(function () {
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var colours = {met: "#198754", on_track: "#0dcaf0", behind: "#ffc107", overdue: "#dc3545", no_data: "#adb5bd"};
  var byCity = echarts.init(document.getElementById("by-city-chart"));
  byCity.setOption({
    tooltip: {trigger: "axis", renderMode: "richText"}, legend: {type: "scroll", top: 0}, grid: {left: 40, right: 10, top: 40, bottom: 70},
    xAxis: {type: "category", data: data.cities, axisLabel: {rotate: 40}}, yAxis: {type: "value"},
    series: data.series.map(function (s) { return {name: s.name, type: "bar", stack: "all", data: s.data, itemStyle: {color: colours[s.key]}}; })
  });
  var overTime = echarts.init(document.getElementById("over-time-chart"));
  overTime.setOption({
    tooltip: {trigger: "axis", renderMode: "richText"}, grid: {left: 40, right: 10, bottom: 40},
    xAxis: {type: "category", data: data.periods}, yAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
    series: [{type: "line", data: data.met_share, smooth: true, areaStyle: {}, itemStyle: {color: "#c0392b"}}]
  });
  window.addEventListener("resize", function () { byCity.resize(); overTime.resize(); });
})();
