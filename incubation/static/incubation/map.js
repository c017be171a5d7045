// The public map of 亲青家园 bases, drawn with ECharts on a locally served schematic of
// Guangdong (an outline and the 21 cities' coordinates): no tile server, no CDN.
(function () {
  var holder = document.getElementById("base-map");
  if (!holder || !window.echarts) return;
  var bases = JSON.parse(document.getElementById("map-bases").textContent);
  var labels = JSON.parse(document.getElementById("map-labels").textContent);
  var chart = echarts.init(holder);

  function stars(n) { return n ? new Array(n + 1).join("★") : labels.unrated; }

  fetch(holder.dataset.geo).then(function (response) { return response.json(); }).then(function (geo) {
    var outline = geo.outline.concat([geo.outline[0]]);
    chart.setOption({
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          if (p.seriesIndex === 2) {
            var b = p.data;
            return "<strong>" + echarts.format.encodeHTML(b.name) + "</strong><br>" +
              echarts.format.encodeHTML(b.unit) + " · " + echarts.format.encodeHTML(b.type) + "<br>" +
              '<span style="color:#f0a202">' + stars(b.stars) + "</span>";
          }
          return p.seriesIndex === 1 ? echarts.format.encodeHTML(p.name) : "";
        }
      },
      legend: { data: [labels.bases, labels.cities], bottom: 0 },
      // Longitude and latitude as plain axes; equal degrees look right at this latitude
      // when the plot keeps roughly the province's proportions.
      grid: { left: 10, right: 10, top: 10, bottom: 40, containLabel: false },
      xAxis: { type: "value", min: 109.5, max: 117.5, show: false, scale: true },
      yAxis: { type: "value", min: 20.1, max: 25.6, show: false, scale: true },
      dataZoom: [{ type: "inside", xAxisIndex: 0, filterMode: "none" }, { type: "inside", yAxisIndex: 0, filterMode: "none" }],
      series: [
        { name: labels.outline, type: "line", data: outline, symbol: "none", silent: true,
          lineStyle: { color: "#9aa5b1", width: 1.5 }, areaStyle: { color: "#f4f1ea" }, z: 1 },
        { name: labels.cities, type: "scatter", data: geo.cities, symbolSize: 6, itemStyle: { color: "#6c757d" },
          label: { show: true, formatter: "{b}", position: "right", color: "#495057", fontSize: 11 }, z: 2 },
        { name: labels.bases, type: "effectScatter", data: bases, z: 3,
          symbolSize: function (value, p) { return 8 + 2 * (p.data.stars || 0); },
          rippleEffect: { scale: 2.5, brushType: "stroke" }, itemStyle: { color: "#c8102e" } }
      ]
    });
  });
  chart.on("click", function (p) { if (p.seriesIndex === 2 && p.data.url) window.location.href = p.data.url; });
  window.addEventListener("resize", function () { chart.resize(); });
})();
