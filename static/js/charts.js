// Draws every <div data-chart="line|bar|pie" data-source="json-script-id"> with ECharts.
// The data is {"x": [...], "series": [{"name": "...", "data": [...]}], "percent": bool}.
(function () {
  function draw(el) {
    var source = document.getElementById(el.dataset.source);
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(el, null, { renderer: "canvas" });
    var kind = el.dataset.chart;
    var option;
    if (kind === "pie") {
      option = {
        tooltip: { trigger: "item" },
        legend: { bottom: 0 },
        series: [{ type: "pie", radius: ["35%", "65%"],
                   data: data.x.map(function (name, i) { return { name: name, value: data.series[0].data[i] }; }) }]
      };
    } else {
      option = {
        tooltip: { trigger: "axis" },
        legend: { bottom: 0 },
        grid: { left: 48, right: 24, top: 24, bottom: 48 },
        xAxis: { type: "category", data: data.x },
        yAxis: { type: "value", axisLabel: data.percent ? { formatter: "{value}%" } : {} },
        series: data.series.map(function (s) {
          return { name: s.name, type: kind, data: s.data, smooth: kind === "line",
                   markLine: s.limit ? { silent: true, data: [{ yAxis: s.limit, name: "上限" }] } : undefined };
        })
      };
    }
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(draw);
  }
  document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  document.addEventListener("htmx:afterSwap", function (e) { drawAll(e.target); });
})();
