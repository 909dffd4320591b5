"""The step-through page's CSS and script: plain text, no library, nothing fetched.

The script reads the page's data from ``<script type="application/json" id="gd-data">``
(what :func:`graphdiff.views.show.page_data` computes), builds each view's pictures as
SVG from the boxes and paths given, and replays the steps of the chosen sweep up to the
current one. Text from the data is only ever set as ``textContent``.
"""

from __future__ import annotations

from graphdiff.views import style

__all__ = ["CSS", "SCRIPT"]

_VARIABLES = f"""
:root {{
  --primal: {style.PRIMAL}; --tangent: {style.TANGENT}; --adjoint: {style.ADJOINT};
  --partial: {style.PARTIAL}; --faded: {style.FADED}; --focus: {style.FOCUS};
  --input: {style.FILL["input"]}; --op: {style.FILL["op"]}; --const: {style.FILL["const"]};
}}"""

CSS = (
    _VARIABLES
    + """
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--primal);
  font: 20px/1.35 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif; }
.gd { padding: 14px 22px 22px; }
.gd h1 { font-size: 26px; margin: 0 0 8px; font-weight: 600; }
.gd .banner { font-size: 22px; font-weight: 600; padding: 10px 16px; border-radius: 8px;
  background: #f3f3f3; border-left: 10px solid var(--primal); }
.gd .banner.tangent { border-left-color: var(--tangent); }
.gd .banner.adjoint { border-left-color: var(--adjoint); }
.gd .banner.partial { border-left-color: var(--partial); }
.gd .point { font-size: 17px; color: #555; margin: 4px 2px 10px; }
.gd .tabs { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0 10px; }
.gd .tabs button { font: inherit; font-size: 19px; padding: 6px 14px; border: 2px solid #bbb;
  border-radius: 8px; background: #fafafa; cursor: pointer; }
.gd .tabs button[aria-selected="true"] { border-color: var(--primal); background: #fff; font-weight: 700; }
.gd .controls { display: flex; flex-wrap: wrap; align-items: center; gap: 12px; margin-bottom: 10px; }
.gd .controls select, .gd .controls button { font: inherit; font-size: 19px; padding: 5px 12px; }
.gd .controls button { border-radius: 8px; border: 2px solid #888; background: #fff; cursor: pointer; }
.gd .controls button:disabled { opacity: .4; cursor: default; }
.gd .counter { font-weight: 700; min-width: 9em; text-align: center; }
.gd .keys { color: #666; font-size: 16px; }
.gd main { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
.gd .pictures { display: flex; flex-wrap: wrap; gap: 14px; flex: 0 1 auto; min-width: 0; }
.gd .pictures.pair { flex: 1 1 100%; flex-wrap: nowrap; }
.gd .pictures.pair figure { flex: 1 1 auto; min-width: 0; }
.gd figure { margin: 0; border: 1px solid #ddd; border-radius: 8px; padding: 4px; max-width: 100%; }
.gd figcaption { font-size: 17px; color: #444; padding: 2px 6px; }
.gd svg.diagram { display: block; max-width: 100%; height: auto; }
.gd .panel { flex: 1 1 420px; min-width: 300px; max-width: 760px; }
.gd .now { border: 2px solid #ccc; border-radius: 8px; padding: 10px 14px; min-height: 150px; }
.gd .formula { font-size: 20px; color: #333; white-space: pre-line; }
.gd .text { font: 600 27px/1.3 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  margin: 6px 0; white-space: pre-line; overflow-wrap: anywhere; }
.gd .result { font-size: 22px; font-weight: 700; }
.gd .counts { font-size: 20px; margin-top: 6px; color: var(--partial); font-weight: 600; }
.gd .history { font: 17px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  max-height: 300px; overflow: auto; margin: 10px 0 0; padding-left: 2.6em; white-space: pre-line; }
.gd .history li.current { background: #fdebd3; }
.gd .note { font-size: 17px; color: #444; margin: 10px 0 0; }
.gd .legend { display: flex; flex-wrap: wrap; gap: 8px 22px; margin-top: 14px; font-size: 18px; }
.gd .legend span.sw { display: inline-block; width: 1.4em; height: 1em; vertical-align: -2px;
  border: 2px solid #555; border-radius: 4px; margin-right: 6px; }
.gd .summary { font-size: 19px; padding: 12px; border: 1px dashed #aaa; border-radius: 8px; }
/* the diagrams */
.gd .node rect { stroke: #444; stroke-width: 1.6; }
.gd .node.input rect { fill: var(--input); }
.gd .node.op rect { fill: var(--op); }
.gd .node.const rect { fill: var(--const); stroke: var(--faded); stroke-dasharray: 4 3; }
.gd .node text { font: 20px ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; fill: var(--primal);
  text-anchor: middle; dominant-baseline: central; }
.gd .node.const text { fill: #666; }
.gd .node text.mark { font-weight: 700; }
.gd .node text.mark.tangent { fill: var(--tangent); }
.gd .node text.mark.adjoint { fill: var(--adjoint); }
.gd .node text.mark.primal { fill: var(--primal); }
.gd .node.faded rect { fill: #fff; stroke: var(--faded); stroke-dasharray: 6 4; }
.gd .node.faded text { fill: var(--faded); }
.gd .node.gone { opacity: .28; }
.gd .node.reads rect { stroke: var(--adjoint); stroke-width: 5; stroke-dasharray: 9 5; }
.gd .node.focus rect { stroke: var(--focus); stroke-width: 6; }
.gd .edge path { fill: none; stroke: #777; stroke-width: 2; }
.gd .edge.faded path { stroke: #ccc; }
.gd .edge.hidden { display: none; }
.gd .edge.fill path { stroke-dasharray: 8 5; }
.gd .edge.lit path { stroke-width: 5; }
.gd .edge.lit.tangent path { stroke: var(--tangent); }
.gd .edge.lit.adjoint path { stroke: var(--adjoint); }
.gd .edge.lit.primal path, .gd .edge.lit.partial path { stroke: var(--focus); }
.gd .edge text { font: 600 18px system-ui, "DejaVu Sans", Arial, sans-serif; fill: var(--partial);
  text-anchor: middle; dominant-baseline: central; paint-order: stroke; stroke: #fff; stroke-width: 5px; }
"""
)

SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("gd-data").textContent);
  var NS = document.getElementById("gd-defs").namespaceURI;
  var $ = function (id) { return document.getElementById(id); };
  var at = { view: 0, choice: 0, step: 0 };
  var nodes = {}, edges = {};  // "diagram/name" -> elements, "diagram#k" -> elements

  function el(tag, attrs, parent) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function html(tag, cls, text, parent) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function sweep() { return data.views[at.view].choices[at.choice].sweep; }

  function buildTabs() {
    var tabs = $("gd-tabs");
    data.views.forEach(function (v, i) {
      var b = html("button", "", v.title, tabs);
      b.setAttribute("role", "tab");
      b.setAttribute("data-view", v.key);
      b.addEventListener("click", function () { at.view = i; at.choice = 0; at.step = 0; buildView(); });
    });
  }

  function buildChoices() {
    var view = data.views[at.view], select = $("gd-choice");
    $("gd-choice-label").textContent = view.choice_label;
    select.textContent = "";
    view.choices.forEach(function (c, i) {
      var o = html("option", "", c.label, select);
      o.value = String(i);
    });
    select.value = String(at.choice);
    select.parentNode.style.display = view.choices.length > 1 ? "" : "none";
  }

  function buildPictures() {
    var area = $("gd-pictures"), sw = sweep();
    area.textContent = "";
    area.className = "pictures" + (sw.diagrams.length > 1 ? " pair" : "");
    nodes = {}; edges = {};
    sw.diagrams.forEach(function (key) {
      var dg = data.diagrams[key];
      var fig = html("figure", "", undefined, area);
      html("figcaption", "", data.captions[key], fig);
      if (!dg) {
        html("div", "summary", data.too_large, fig);
        return;
      }
      var svg = el("svg", { "class": "diagram", width: dg.width, height: dg.height,
                            viewBox: "0 0 " + dg.width + " " + dg.height, role: "img" }, fig);
      el("title", {}, svg).textContent = data.captions[key];
      dg.edges.forEach(function (e, k) {
        var g = el("g", { "class": "edge" + (e.fill ? " fill hidden" : ""), "data-u": e.u }, svg);
        var p = el("path", { d: e.d, "marker-end": "url(#gd-arrow)" }, g);
        var t = el("text", { x: e.lx, y: e.ly }, g);
        t.textContent = e.label || "";
        edges[key + "#" + k] = { g: g, path: p, text: t, label: e.label || "", fill: !!e.fill };
      });
      dg.nodes.forEach(function (n) {
        var g = el("g", { "class": "node " + n.kind, "data-node": key + "/" + n.id }, svg);
        el("rect", { x: n.x - n.w / 2, y: n.y - n.h / 2, width: n.w, height: n.h, rx: 7 }, g);
        var two = n.kind !== "const" && sw.marks;
        var t = el("text", { x: n.x, y: two ? n.y - 13 : n.y }, g);
        t.textContent = n.text;
        var m = two ? el("text", { "class": "mark", x: n.x, y: n.y + 13 }, g) : null;
        nodes[key + "/" + n.id] = { g: g, mark: m, kind: n.kind, tone: n.tone || "" };
      });
    });
  }

  function buildView() {
    var tabs = $("gd-tabs").children;
    for (var i = 0; i < tabs.length; i++) { tabs[i].setAttribute("aria-selected", i === at.view ? "true" : "false"); }
    buildChoices();
    buildPictures();
    render();
  }

  function state(sw, k) {
    var s = { marks: Object.assign({}, sw.initial.marks || {}), labels: Object.assign({}, sw.initial.labels || {}),
              shown: {}, hidden: {}, gone: {} };
    for (var i = 0; i < k; i++) {
      var step = sw.steps[i];
      Object.assign(s.marks, step.v || {});
      Object.assign(s.labels, step.p || {});
      Object.keys(step.p || {}).forEach(function (e) { s.shown[e] = true; delete s.hidden[e]; });
      (step.xe || []).forEach(function (e) { s.hidden[e] = true; delete s.shown[e]; });
      (step.x || []).forEach(function (n) { s.gone[n] = true; });
    }
    return s;
  }

  function render() {
    var sw = sweep(), n = sw.steps.length, k = at.step;
    var s = state(sw, k), cur = k > 0 ? sw.steps[k - 1] : null;
    var focus = {}, reads = {}, lit = {}, faded = {};
    (sw.faded || []).forEach(function (id) { faded[id] = true; });
    if (cur) {
      (cur.n || []).forEach(function (id) { focus[id] = true; });
      (cur.rd || []).forEach(function (id) { reads[id] = true; });
      (cur.e || []).forEach(function (id) { lit[id] = true; });
    }
    Object.keys(nodes).forEach(function (id) {
      var nd = nodes[id], cls = "node " + nd.kind;
      if (faded[id]) { cls += " faded"; }
      if (s.gone[id]) { cls += " gone"; }
      if (reads[id]) { cls += " reads"; }
      if (focus[id]) { cls += " focus"; }
      nd.g.setAttribute("class", cls);
      if (nd.mark) {
        nd.mark.textContent = s.marks[id] || "";
        nd.mark.setAttribute("class", "mark " + (nd.tone || sw.colour));
      }
    });
    Object.keys(edges).forEach(function (id) {
      var ed = edges[id], hidden = ed.fill ? !s.shown[id] : !!s.hidden[id];
      var cls = "edge" + (ed.fill ? " fill" : "") + (hidden ? " hidden" : "");
      if (lit[id]) { cls += " lit " + sw.colour; }
      var tail = id.split("#")[0] + "/" + ed.g.getAttribute("data-u");
      if (faded[tail]) { cls += " faded"; }
      ed.g.setAttribute("class", cls);
      ed.path.setAttribute("marker-end", "url(#gd-arrow" + (lit[id] ? "-" + sw.colour : "") + ")");
      ed.text.textContent = id in s.labels ? s.labels[id] : ed.label;
    });
    var banner = $("gd-banner");
    banner.className = "banner " + sw.colour;
    if (k === 0) {
      banner.textContent = sw.banner + ": not started, step 0 of " + n + "; " + sw.before;
    } else if (k === n) {
      banner.textContent = sw.banner + ": done, step " + n + " of " + n + "; " + sw.shows + " all shown";
    } else {
      banner.textContent = sw.banner + ": " + sw.shows + " shown up to step " + k + " of " + n;
    }
    $("gd-counter").textContent = "step " + k + " of " + n + (sw.total > n ? " listed (" + sw.total + " in all)" : "");
    $("gd-prev").disabled = k === 0;
    $("gd-next").disabled = k === n;
    $("gd-formula").textContent = cur ? cur.f : sw.start;
    $("gd-text").textContent = cur ? cur.t : "";
    $("gd-result").textContent = cur ? cur.r : "";
    $("gd-counts").textContent = cur && cur.c ? cur.c : "";
    $("gd-note").textContent = sw.note || "";
    var list = $("gd-history");
    list.textContent = "";
    for (var i = 0; i < k; i++) {
      var li = html("li", i === k - 1 ? "current" : "", sw.steps[i].t + (sw.steps[i].r ? "  ⇒ " + sw.steps[i].r : ""), list);
      li.value = i + 1;
    }
    if (list.lastChild) { list.scrollTop = list.scrollHeight; }
  }

  function go(k) {
    var n = sweep().steps.length;
    at.step = Math.max(0, Math.min(n, k));
    render();
  }

  $("gd-prev").addEventListener("click", function () { go(at.step - 1); });
  $("gd-next").addEventListener("click", function () { go(at.step + 1); });
  $("gd-choice").addEventListener("change", function (ev) {
    at.choice = Number(ev.target.value); at.step = 0;
    ev.target.blur();
    buildPictures(); render();
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.target && ev.target.tagName === "SELECT") { return; }
    if (ev.key === "ArrowRight") { go(at.step + 1); ev.preventDefault(); }
    else if (ev.key === "ArrowLeft") { go(at.step - 1); ev.preventDefault(); }
    else if (ev.key === "Home") { go(0); ev.preventDefault(); }
    else if (ev.key === "End") { go(sweep().steps.length); ev.preventDefault(); }
  });
  buildTabs();
  buildView();
})();
"""
