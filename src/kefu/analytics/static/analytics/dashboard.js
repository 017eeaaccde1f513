// Dashboards: draws the charts a page declares and makes each point open its records.
// The Content-Security-Policy allows no inline script, so the data arrives in <script
// type="application/json"> blocks (Django's json_script) named by data-source:
//   <div class="dash-chart" data-chart="line|multi|spc" data-source="id-of-json">
// Clicking a point opens the drill-down URL of the data with the point's interval
// (line, multi: &bucket=<start>) or day (spc: &from=<day>&to=<day>).
(function () {
  "use strict";

  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function fill(pattern, values) {
    // "%(m)s min %(s)02d s" with {m: 4, s: 5} → "4 min 05 s" (the server's translated patterns)
    return pattern.replace(/%\((\w+)\)(02d|s)/g, function (_all, name, kind) {
      var v = String(values[name]);
      return kind === "02d" ? v.padStart(2, "0") : v;
    });
  }

  var FORMATS = {s: "%(s)s s", ms: "%(m)s min %(s)02d s", hm: "%(h)s h %(m)02d min"};

  function format(value, unit, formats) {
    var f = formats || FORMATS;
    if (value === null || value === undefined) return "—";
    if (unit === "%") return value.toFixed(1) + " %";
    if (unit === "s") {
      if (value < 0) return "−" + format(-value, unit, formats);
      var s = Math.round(value);
      if (s < 60) return fill(f.s, {s: s});
      if (s < 3600) return fill(f.ms, {m: Math.floor(s / 60), s: s % 60});
      return fill(f.hm, {h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60)});
    }
    if (unit === "conversations") return String(Math.round(value));
    return value.toFixed(1);
  }

  function go(url) { window.location.href = url; }

  function line(el, data) {
    var series = [{
      name: data.name, type: "line", data: data.points, showSymbol: true, symbolSize: 6,
      connectNulls: false, itemStyle: {color: "#0b6e4f"}
    }];
    var marks = [];
    if (data.target !== null && data.target !== undefined) {
      marks.push({yAxis: data.target, name: data.target_label, lineStyle: {color: "#b44d12", type: "dashed"},
        label: {formatter: data.target_label + " " + format(data.target, data.unit, data.formats)}});
    }
    if (data.previous !== null && data.previous !== undefined && data.unit !== "conversations") {
      marks.push({yAxis: data.previous, name: data.previous_label, lineStyle: {color: "#9aa5b1", type: "dotted"},
        label: {formatter: data.previous_label + " " + format(data.previous, data.unit, data.formats)}});
    }
    if (marks.length) series[0].markLine = {symbol: "none", data: marks, label: {position: "insideEndTop"}};
    var chart = echarts.init(el);
    chart.setOption({
      animation: false,  // drawn at once: a point is where it will stay when clicked
      grid: {left: 56, right: 16, top: 24, bottom: 56},
      tooltip: {trigger: "axis", valueFormatter: function (v) { return format(v, data.unit, data.formats); }},
      xAxis: {type: "time"},
      yAxis: {type: "value", axisLabel: {formatter: function (v) { return format(v, data.unit, data.formats); }}},
      dataZoom: [{type: "inside"}],
      series: series
    });
    chart.on("click", function (p) {
      if (p.componentType === "series" && p.value) go(data.drill + "&bucket=" + encodeURIComponent(p.value[0]));
    });
    return chart;
  }

  function multi(el, data) {
    var chart = echarts.init(el);
    chart.setOption({
      animation: false,  // drawn at once: a point is where it will stay when clicked
      grid: {left: 48, right: 16, top: 48, bottom: 32},
      legend: {type: "scroll", top: 0},
      tooltip: {trigger: "axis"},
      xAxis: {type: "time"},
      yAxis: {type: "value"},
      series: data.series.map(function (s) {
        return {name: s.name, type: "line", data: s.points, showSymbol: true, symbolSize: 5};
      })
    });
    chart.on("click", function (p) {
      var s = data.series[p.seriesIndex];
      if (s && p.value) go(s.drill + "&bucket=" + encodeURIComponent(p.value[0]));
    });
    return chart;
  }

  function spc(el, data) {
    var points = data.days.map(function (day, i) {
      var flagged = data.rules[i] && data.rules[i].length;
      return {value: [day, data.values[i]], rules: data.rules[i], count: data.counts[i],
        itemStyle: {color: flagged ? "#b42318" : "#0b6e4f"}, symbolSize: flagged ? 10 : 6};
    });
    var limits = function (key) { return data.days.map(function (d, i) { return [d, data[key][i]]; }); };
    var chart = echarts.init(el);
    chart.setOption({
      animation: false,  // drawn at once: a point is where it will stay when clicked
      grid: {left: 64, right: 16, top: 48, bottom: 32},
      legend: {top: 0, data: [data.name, data.centre_label, data.limit_label]},
      tooltip: {trigger: "item", formatter: function (p) {
        if (p.seriesIndex !== 0) return p.seriesName;
        var text = p.value[0] + "<br>" + format(p.value[1], data.unit, data.formats) + " (n = " + p.data.count + ")";
        if (p.data.rules && p.data.rules.length) text += "<br>" + data.signal_label + ": " + p.data.rules.join(", ");
        return text;
      }},
      xAxis: {type: "time"},
      yAxis: {type: "value", scale: true, axisLabel: {formatter: function (v) { return format(v, data.unit, data.formats); }}},
      series: [
        {name: data.name, type: "line", data: points, showSymbol: true, connectNulls: false,
          lineStyle: {color: "#0b6e4f"}, itemStyle: {color: "#0b6e4f"}, z: 3},
        {name: data.centre_label, type: "line", data: data.days.map(function (d) { return [d, data.centre]; }),
          showSymbol: false, lineStyle: {color: "#616e7c"}, itemStyle: {color: "#616e7c"}, silent: true},
        {name: data.limit_label, type: "line", step: "middle", data: limits("ucl"), showSymbol: false,
          lineStyle: {color: "#b44d12", type: "dashed"}, itemStyle: {color: "#b44d12"}, silent: true},
        {name: data.limit_label, type: "line", step: "middle", data: limits("lcl"), showSymbol: false,
          lineStyle: {color: "#b44d12", type: "dashed"}, silent: true}
      ]
    });
    chart.on("click", function (p) {
      if (p.seriesIndex === 0 && p.value && p.value[1] !== null) {
        go(data.drill + "&from=" + p.value[0] + "&to=" + p.value[0]);
      }
    });
    return chart;
  }

  var kinds = {line: line, multi: multi, spc: spc};
  var charts = [];

  function draw() {
    if (typeof echarts === "undefined") return;
    document.querySelectorAll(".dash-chart[data-chart]").forEach(function (el) {
      if (el.getAttribute("data-drawn")) return;
      var data = read(el.getAttribute("data-source"));
      var kind = kinds[el.getAttribute("data-chart")];
      if (!data || !kind) return;
      charts.push(kind(el, data));
      el.setAttribute("data-drawn", "1");
    });
  }

  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("select[data-navigate]");
    if (select && select.value) go(select.value);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
