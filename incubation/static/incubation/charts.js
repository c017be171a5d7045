// The base dashboard: residents by stage (bars) and services delivered per month (line).
(function () {
  var holder = document.getElementById("base-chart");
  var source = document.getElementById("base-chart-data");
  if (!holder || !source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(holder);
  chart.setOption({
    tooltip: { trigger: "axis", renderMode: "richText" },  // drawn on the canvas: no inline styles (CSP)
    legend: { data: [data.labels.stages, data.labels.deliveries], bottom: 0 },
    grid: [
      { left: 90, right: "55%", top: 20, bottom: 50 },
      { left: "55%", right: 20, top: 20, bottom: 50 }
    ],
    xAxis: [
      { type: "value", gridIndex: 0, minInterval: 1 },
      { type: "category", gridIndex: 1, data: data.months, axisLabel: { rotate: 45, fontSize: 10 } }
    ],
    yAxis: [
      { type: "category", gridIndex: 0, data: data.stages.map(function (s) { return s[0]; }), inverse: true },
      { type: "value", gridIndex: 1, minInterval: 1 }
    ],
    series: [
      { name: data.labels.stages, type: "bar", xAxisIndex: 0, yAxisIndex: 0, itemStyle: { color: "#c8102e" },
        data: data.stages.map(function (s) { return s[1]; }), label: { show: true, position: "right" } },
      { name: data.labels.deliveries, type: "line", xAxisIndex: 1, yAxisIndex: 1, smooth: true,
        areaStyle: { opacity: 0.15 }, itemStyle: { color: "#f0a202" }, data: data.deliveries }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
