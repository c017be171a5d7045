// The public map of 亲青家园 bases, drawn with ECharts on a locally served schematic of
// Guangdong (an outline and the 21 cities' coordinates): no tile server, no CDN.
(function () {
  var holder = document.getElementById("base-map");
  if (!holder || !window.echarts) return;
  var bases = JSON.parse(document.getElementById("map-bases").textContent);
  var labels = JSON.parse(document.getElementById("map-labels").textContent);
  // Places other apps register (incubation/map_layers.py), drawn after the bases.
  var layersScript = document.getElementById("map-layers");
  var layers = layersScript ? JSON.parse(layersScript.textContent) : [];
  var chart = echarts.init(holder);

  function stars(n) { return n ? new Array(n + 1).join("★") : labels.unrated; }

  fetch(holder.dataset.geo).then(function (response) { return response.json(); }).then(function (geo) {
    // The outline becomes a one-feature GeoJSON map, so ECharts' geo component projects the
    // province, the cities and the bases consistently (and lets the user zoom and pan).
    echarts.registerMap("guangdong-schematic", {
      type: "FeatureCollection",
      features: [{ type: "Feature", properties: { name: "广东省" },
                   geometry: { type: "Polygon", coordinates: [geo.outline.concat([geo.outline[0]])] } }]
    });
    chart.setOption({
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          if (p.seriesIndex >= 2) {
            var place = p.data;
            return "<strong>" + echarts.format.encodeHTML(place.name) + "</strong><br>" +
              echarts.format.encodeHTML(place.unit) + " · " + echarts.format.encodeHTML(place.type);
          }
          if (p.seriesIndex === 1) {
            var b = p.data;
            return "<strong>" + echarts.format.encodeHTML(b.name) + "</strong><br>" +
              echarts.format.encodeHTML(b.unit) + " · " + echarts.format.encodeHTML(b.type) + "<br>" +
              '<span class="star-gold">' + stars(b.stars) + "</span>";
          }
          return p.seriesIndex === 0 ? echarts.format.encodeHTML(p.name) : "";
        }
      },
      legend: { data: [labels.bases, labels.cities].concat(layers.map(function (l) { return l.name; })), bottom: 0 },
      geo: {
        // All four sides: ECharts fits the province inside the box keeping its shape, so a
        // 390 px phone shows it whole (with top/bottom only it scaled to the height and
        // cropped the east and the west).
        map: "guangdong-schematic", roam: true, silent: true, top: 10, bottom: 40, left: 8, right: 8,
        itemStyle: { areaColor: "#f4f1ea", borderColor: "#9aa5b1", borderWidth: 1.5 },
        label: { show: false }
      },
      series: [
        { name: labels.cities, type: "scatter", coordinateSystem: "geo", data: geo.cities, symbolSize: 6,
          itemStyle: { color: "#6c757d" },
          label: { show: true, formatter: "{b}", position: "right", color: "#495057", fontSize: 11 }, z: 2 },
        { name: labels.bases, type: "effectScatter", coordinateSystem: "geo", data: bases, z: 3,
          symbolSize: function (value, p) { return 8 + 2 * (p.data.stars || 0); },
          rippleEffect: { scale: 2.5, brushType: "stroke" }, itemStyle: { color: "#c8102e" } }
      ].concat(layers.map(function (layer) {
        return { name: layer.name, type: "scatter", coordinateSystem: "geo", data: layer.points, z: 4,
                 symbol: layer.symbol, symbolSize: 10, itemStyle: { color: layer.color } };
      }))
    });
  });
  chart.on("click", function (p) { if (p.seriesIndex >= 1 && p.data && p.data.url) window.location.href = p.data.url; });
  window.addEventListener("resize", function () { chart.resize(); });
})();
