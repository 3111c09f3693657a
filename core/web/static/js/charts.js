// Charts on dashboards (Apache ECharts, vendored: static/vendor/echarts). Each chart is an
// element with data-chart holding its spec as JSON; the table next to it carries the same
// figures for screen readers, for printing and for pages without JavaScript.
//   {"type": "bar"|"line", "categories": [...], "series": [{"name": ..., "data": [...]}],
//    "stack": true, "unit": "minutes"|"count", "h": "小时", "m": "分钟", "horizontal": false}
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  function words(spec, minutes) {
    var h = Math.floor(minutes / 60), m = Math.round(minutes % 60);
    if (h && m) { return h + " " + spec.h + " " + m + " " + spec.m; }
    return h ? h + " " + spec.h : m + " " + spec.m;
  }
  function option(spec) {
    var minutes = spec.unit === "minutes";
    // Minutes are drawn as hours (round axis steps); the tooltip says hours and minutes.
    var valueAxis = { type: "value", minInterval: 1, name: minutes ? spec.h : (spec.axis || "") };
    var categoryAxis = { type: "category", data: spec.categories, axisLabel: { hideOverlap: true } };
    return {
      color: ["#0b5cad", "#c0392b", "#2e7d32", "#b7791f", "#6a1b9a", "#00838f", "#5d4037",
              "#37474f", "#ad1457", "#558b2f"],
      tooltip: { trigger: "axis",
                 valueFormatter: function (v) { return minutes ? words(spec, v * 60) : v; } },
      legend: { show: spec.series.length > 1, type: "scroll", bottom: 0 },
      grid: { left: 8, right: 16, top: 28, bottom: spec.series.length > 1 ? 40 : 8, containLabel: true },
      xAxis: spec.horizontal ? valueAxis : categoryAxis,
      yAxis: spec.horizontal ? categoryAxis : valueAxis,
      series: spec.series.map(function (s) {
        var data = minutes ? s.data.map(function (v) { return v / 60; }) : s.data;
        return { name: s.name, type: spec.type || "bar", data: data,
                 stack: spec.stack ? "all" : undefined, smooth: spec.type === "line",
                 emphasis: { focus: "series" } };
      })
    };
  }
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option(JSON.parse(el.getAttribute("data-chart"))));
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
