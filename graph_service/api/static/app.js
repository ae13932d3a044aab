/* Investigator page: search, neighbourhoods drawn with vis-network (data styled by pyvis on
 * the server), expand on double click, shortest path, as-of date, evidence panel, exports.
 * Everything is loaded from this service; the API key is kept in localStorage. */
"use strict";

const I18N = {
  zh: {
    title: "信用联合惩戒图谱 · 调查", apiKey: "API密钥", save: "保存", asOf: "视图日期",
    today: "全部时间", search: "检索", searchPh: "名称、统一社会信用代码或身份证号",
    pathTitle: "最短关联路径", pathFrom: "起点（节点标识）", pathTo: "终点（节点标识）",
    findPath: "查找路径", legend: "图例", lgEntity: "市场主体", lgPerson: "自然人",
    lgRecord: "信用记录（有效）", lgRepaired: "已修复", lgRegion: "行政区划",
    lgListed: "失信名单（有效记录）", lgWatch: "重点关注", lgEnded: "已结束的关系",
    hint: "单击节点查看详情，双击展开。", fit: "适应窗口", clear: "清空", export: "导出",
    csvNodes: "CSV 节点", csvEdges: "CSV 关系", details: "详情与证据",
    detailsHint: "单击图中节点查看详情与证据。", expand: "展开", setFrom: "设为起点",
    setTo: "设为终点", evidence: "证据（信用记录）", noRecords: "无信用记录",
    roles: "任职", holdings: "持股", registrations: "登记", keySaved: "API密钥已保存",
    needKey: "请先在右上角输入API密钥", results: "共{n}条", noResults: "没有结果",
    loading: "加载中…", nodes: "节点{n}个，关系{m}条", pathNone: "在{h}步内没有关联路径",
    pathFound: "找到{h}步的路径", more: "还有{n}个", basis: "依据", authority: "认定机关",
    decided: "认定日期", effective: "有效期", status: "状态", source: "来源", batch: "加载批次",
    idNumber: "身份证号", idMasked: "身份证号（脱敏）", uscc: "统一社会信用代码", region: "区划",
    orgType: "类型", registeredOn: "成立日期", kind: "类别", risk: "风险", code: "代码",
    from: "起", to: "止", name: "名称", pct: "比例", role: "职务", holder: "持有人",
    entity: "主体", subject: "对象", listed: "失信名单", watch: "重点关注", repaired: "已修复",
    none: "无", person: "自然人", entityKind: "市场主体", expanded: "已展开：{name}",
  },
  en: {
    title: "Joint punishment graph · Investigation", apiKey: "API key", save: "Save",
    asOf: "As of", today: "All time", search: "Search",
    searchPh: "Name, USCC or ID number", pathTitle: "Shortest path",
    pathFrom: "From (node id)", pathTo: "To (node id)", findPath: "Find path", legend: "Legend",
    lgEntity: "Market entity", lgPerson: "Person", lgRecord: "Credit record (active)",
    lgRepaired: "Repaired", lgRegion: "Region", lgListed: "Listed (record in force)",
    lgWatch: "Watch", lgEnded: "Ended relationship",
    hint: "Click a node for details, double-click to expand.", fit: "Fit", clear: "Clear",
    export: "Export", csvNodes: "CSV nodes", csvEdges: "CSV edges", details: "Details and evidence",
    detailsHint: "Click a node in the graph for its details and evidence.", expand: "Expand",
    setFrom: "Path from here", setTo: "Path to here", evidence: "Evidence (credit records)",
    noRecords: "No credit records", roles: "Roles", holdings: "Holdings",
    registrations: "Registrations", keySaved: "API key saved",
    needKey: "Enter an API key (top right) first", results: "{n} found", noResults: "Nothing found",
    loading: "Loading…", nodes: "{n} nodes, {m} edges", pathNone: "No path within {h} steps",
    pathFound: "Path of {h} steps", more: "and {n} more", basis: "Basis", authority: "Authority",
    decided: "Decided", effective: "In force", status: "Status", source: "Source", batch: "Load",
    idNumber: "ID number", idMasked: "ID number (masked)", uscc: "USCC", region: "Region",
    orgType: "Type", registeredOn: "Registered", kind: "Kind", risk: "Risk", code: "Code",
    from: "From", to: "To", name: "Name", pct: "Percent", role: "Role", holder: "Holder",
    entity: "Entity", subject: "Subject", listed: "Listed", watch: "Watch", repaired: "Repaired",
    none: "None", person: "Person", entityKind: "Entity", expanded: "Expanded: {name}",
  },
};

const LIMIT = parseInt(document.body.dataset.neighbourLimit, 10) || 50;
const state = {
  lang: localStorage.getItem("cg.lang") || "zh",
  expanded: [], // [{id, offset}] in the order they were opened, replayed on date/lang change
  selected: null,
};

function t(key, vars) {
  let s = (I18N[state.lang] && I18N[state.lang][key]) || I18N.zh[key] || key;
  for (const [k, v] of Object.entries(vars || {})) s = s.replace("{" + k + "}", String(v));
  return s;
}

function $(id) { return document.getElementById(id); }

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function applyI18n() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll("[data-i18n]").forEach((n) => { n.textContent = t(n.dataset.i18n); });
  document.querySelectorAll("[data-i18n-ph]").forEach((n) => { n.placeholder = t(n.dataset.i18nPh); });
  $("lang").textContent = state.lang === "zh" ? "English" : "中文";
  document.title = t("title");
}

function banner(message, kind) {
  const b = $("banner");
  if (!message) { b.hidden = true; return; }
  b.textContent = message;
  b.className = kind === "info" ? "info" : "";
  b.hidden = false;
  if (kind === "info") setTimeout(() => { if (b.textContent === message) b.hidden = true; }, 2500);
}

function status(text) { $("status").textContent = text || ""; }

// -- API --------------------------------------------------------------------------------

async function api(path, options) {
  const key = localStorage.getItem("cg.apiKey") || "";
  if (!key) { banner(t("needKey")); throw new Error(t("needKey")); }
  const init = Object.assign({ headers: {} }, options || {});
  init.headers = Object.assign({ "X-API-Key": key }, init.headers);
  const response = await fetch(path, init);
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    try {
      const problem = await response.json();
      message = (state.lang === "zh" ? problem.detail_zh : problem.detail_en) || problem.detail || message;
    } catch (e) { /* not JSON */ }
    banner(message);
    throw new Error(message);
  }
  banner(null);
  return response;
}

async function apiJson(path, options) { return (await api(path, options)).json(); }

function asOf() { return $("asof").value || null; }

// -- graph ------------------------------------------------------------------------------

const nodes = new vis.DataSet();
const edges = new vis.DataSet();
const network = new vis.Network($("graph"), { nodes, edges }, {
  physics: {
    solver: "forceAtlas2Based",
    forceAtlas2Based: { gravitationalConstant: -60, springLength: 140, avoidOverlap: 0.4 },
    stabilization: { iterations: 200 },
  },
  interaction: { hover: true, tooltipDelay: 150, navigationButtons: false },
  edges: { smooth: { type: "dynamic" }, font: { size: 10, strokeWidth: 3 }, width: 1.2 },
  nodes: { font: { size: 13, face: "Noto Sans CJK SC, Microsoft YaHei, sans-serif" } },
  layout: { improvedLayout: true },
});
window.cgNetwork = network; // for tests and the console

function merge(vis) {
  nodes.update(vis.nodes);
  edges.update(vis.edges);
  status(t("nodes", { n: nodes.length, m: edges.length }));
}

async function expand(id, offset) {
  offset = offset || 0;
  status(t("loading"));
  const params = new URLSearchParams({ id, limit: String(LIMIT), offset: String(offset), vis: state.lang });
  if (asOf()) params.set("on", asOf());
  const view = await apiJson("/v1/graph/neighbourhood?" + params);
  if (nodes.get("more:" + id)) nodes.remove("more:" + id);
  if (edges.get("more|" + id)) edges.remove("more|" + id);
  merge(view.vis);
  // the "and N more" node remembers where the next page starts
  if (nodes.get("more:" + id)) nodes.update({ id: "more:" + id, nextOffset: offset + view.neighbours.length });
  if (!state.expanded.some((e) => e.id === id && e.offset === offset)) state.expanded.push({ id, offset });
  return view;
}

async function open(id) {
  nodes.clear();
  edges.clear();
  state.expanded = [];
  const view = await expand(id, 0);
  network.once("stabilizationIterationsDone", () => network.fit());
  network.selectNodes([view.node.id]);
  showDetails(view.node.id);
}

async function reload() {
  const replay = state.expanded.slice();
  nodes.clear();
  edges.clear();
  state.expanded = [];
  for (const e of replay) {
    try { await expand(e.id, e.offset); } catch (err) { /* node not in force that day */ }
  }
  if (state.selected && nodes.get(state.selected)) showDetails(state.selected);
}

// -- search -----------------------------------------------------------------------------

async function search(event) {
  if (event) event.preventDefault();
  const q = $("q").value.trim();
  if (!q) return;
  const page = await apiJson("/v1/search?" + new URLSearchParams({ q, limit: "50" }));
  const list = $("results");
  list.replaceChildren();
  $("results-info").textContent = page.total ? t("results", { n: page.total }) : t("noResults");
  for (const hit of page.items) {
    const li = el("li", { "data-id": hit.id, class: "hit" },
      el("span", { class: "kind " + hit.type }, hit.type === "entity" ? t("entityKind") : t("person")),
      hit.name || hit.id,
      el("span", { class: "sub" }, hit.uscc || hit.id_masked || hit.key));
    li.addEventListener("click", () => {
      list.querySelectorAll("li").forEach((n) => n.classList.remove("active"));
      li.classList.add("active");
      open(hit.id).catch(() => {});
    });
    list.append(li);
  }
}

// -- details and evidence ---------------------------------------------------------------

function dl(pairs) {
  const d = el("dl");
  for (const [k, v] of pairs) {
    if (v === undefined || v === null || v === "") continue;
    d.append(el("dt", null, k), el("dd", null, v instanceof Node ? v : String(v)));
  }
  return d;
}

function badge(code, text) { return el("span", { class: "badge " + (code || "") }, text || code); }

function evidence(records) {
  const box = el("div", { class: "records" }, el("h3", null, t("evidence")));
  if (!records.length) { box.append(el("p", { class: "muted" }, t("noRecords"))); return box; }
  for (const r of records) {
    const label = (s) => (s || "").split(" / ")[state.lang === "zh" ? 0 : 1] || s;
    box.append(el("div", { class: "evidence " + (r.status || "active"), "data-record": r.record_id },
      el("div", { class: "head" }, label(r.kind_label) || r.kind, badge(r.status, label(r.status_label) || r.status)),
      dl([
        [t("authority"), r.authority],
        [t("basis"), r.basis],
        [t("decided"), r.decided_on],
        [t("effective"), (r.effective_from || "") + " → " + (r.effective_to || "")],
        [t("status"), r.status_on ? (label(r.status_label) + " " + r.status_on) : null],
        ["ID", r.record_id],
        [t("source"), r.source],
        [t("batch"), r.batch_id],
      ])));
  }
  return box;
}

function relTable(title, rows, columns) {
  if (!rows.length) return null;
  const table = el("table", { class: "rel" },
    el("tr", null, ...columns.map(([h]) => el("th", null, h))));
  for (const r of rows) table.append(el("tr", null, ...columns.map(([, f]) => el("td", null, f(r) ?? ""))));
  return el("div", null, el("h3", null, title), table);
}

function actions(id, expandable) {
  return el("div", { class: "actions" },
    expandable ? el("button", { type: "button", id: "btn-expand", onclick: () => expand(id, 0).catch(() => {}) }, t("expand")) : null,
    id.startsWith("E:") || id.startsWith("P:") ? el("button", { type: "button", onclick: () => { $("path-from").value = id; } }, t("setFrom")) : null,
    id.startsWith("E:") || id.startsWith("P:") ? el("button", { type: "button", onclick: () => { $("path-to").value = id; } }, t("setTo")) : null);
}

const lbl = (s) => (s || "").split(" / ")[state.lang === "zh" ? 0 : 1] || s || "";

function fill(target, ...children) {
  target.replaceChildren(...children.filter((c) => c !== null && c !== undefined && c !== false));
}

async function showDetails(id) {
  state.selected = id;
  const body = $("details-body");
  const node = nodes.get(id);
  if (!node) return;
  if (node.kind === "more") {
    fill(body, el("p", null, node.label));
    await expand(node.owner, node.nextOffset || LIMIT);
    return;
  }
  const data = node.data || {};
  body.classList.remove("muted");
  const head = el("div", null,
    el("h3", null, data.name || id),
    data.risk && data.risk !== "none" ? badge(data.risk, t(data.risk)) : null);
  fill(body, head, actions(id, true), el("p", { class: "muted" }, t("loading")));
  try {
    if (data.label === "Entity") {
      const p = await apiJson("/v1/entities/" + encodeURIComponent(data.uscc) + "?limit=100");
      const e = p.entity;
      fill(body, head, dl([
        [t("uscc"), e.uscc], [t("region"), e.region_name || e.region_code],
        [t("orgType"), lbl(e.org_type_label)], [t("registeredOn"), e.registered_on],
        [t("source"), e.source], [t("batch"), e.batch_id],
      ]), actions(id, true), evidence(p.records.items),
      relTable(t("roles"), p.roles.items, [
        [t("name"), (r) => r.person_name], [t("role"), (r) => lbl(r.role_label)],
        [t("from"), (r) => r.start_date], [t("to"), (r) => r.end_date]]),
      relTable(t("holdings"), p.holdings.items, [
        [t("holder"), (r) => r.holder_name], [t("entity"), (r) => r.entity_name],
        [t("pct"), (r) => r.percent], [t("from"), (r) => r.start_date], [t("to"), (r) => r.end_date]]),
      relTable(t("registrations"), p.registrations.items, [
        [t("region"), (r) => r.region_name], [t("from"), (r) => r.start_date], [t("to"), (r) => r.end_date]]));
    } else if (data.label === "Person") {
      const p = await apiJson("/v1/persons/" + encodeURIComponent(data.key) + "?limit=100");
      const person = p.person;
      fill(body, head, dl([
        [t("idNumber"), person.id_number ? el("span", { class: "idnum" }, person.id_number) : null],
        [t("idMasked"), person.id_masked], [t("source"), person.source], [t("batch"), person.batch_id],
      ]), actions(id, true), evidence(p.records.items),
      relTable(t("roles"), p.roles.items, [
        [t("entity"), (r) => r.entity_name], [t("role"), (r) => lbl(r.role_label)],
        [t("from"), (r) => r.start_date], [t("to"), (r) => r.end_date]]),
      relTable(t("holdings"), p.holdings.items, [
        [t("entity"), (r) => r.entity_name], [t("pct"), (r) => r.percent],
        [t("from"), (r) => r.start_date], [t("to"), (r) => r.end_date]]));
    } else if (data.label === "Record") {
      const r = await apiJson("/v1/records/" + encodeURIComponent(data.record_id));
      fill(body, head, actions(id, true), evidence([r]));
    } else {
      fill(body, head, dl([[t("code"), data.code], [t("name"), data.name]]), actions(id, true));
    }
  } catch (err) {
    fill(body, head, actions(id, true), el("p", { class: "muted" }, String(err.message || err)));
  }
}

// -- path -------------------------------------------------------------------------------

async function findPath() {
  const from = $("path-from").value.trim();
  const to = $("path-to").value.trim();
  if (!from || !to) return;
  const params = new URLSearchParams({ from, to, vis: state.lang, max_hops: "6" });
  const result = await apiJson("/v1/graph/path?" + params);
  if (!result.found) { $("path-result").textContent = t("pathNone", { h: 6 }); return; }
  $("path-result").textContent = t("pathFound", { h: result.hops }) + ": " +
    result.nodes.map((n) => n.name || n.id).join(" → ");
  merge(result.vis);
  edges.update(result.vis.edges.map((e) => ({ id: e.id, color: { color: "#d62728" }, width: 3 })));
  network.selectNodes(result.nodes.map((n) => n.id));
  network.fit({ nodes: result.nodes.map((n) => n.id), animation: true });
}

// -- exports ----------------------------------------------------------------------------

function download(blob, name) {
  const a = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

function exportPng() {
  const canvas = $("graph").querySelector("canvas");
  const out = document.createElement("canvas");
  out.width = canvas.width;
  out.height = canvas.height;
  const ctx = out.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(canvas, 0, 0);
  out.toBlob((blob) => download(blob, "credit-graph-view.png"), "image/png");
}

async function exportHtml() {
  const positions = network.getPositions();
  const body = {
    title: t("title"),
    nodes: nodes.get().map((n) => ({
      id: n.id, label: n.label || "", title: n.title, color: n.color, shape: n.shape, size: n.size,
      x: positions[n.id] ? positions[n.id].x : undefined, y: positions[n.id] ? positions[n.id].y : undefined,
    })),
    edges: edges.get().map((e) => ({ from: e.from, to: e.to, label: e.label, title: e.title, color: e.color, dashes: e.dashes })),
  };
  const response = await api("/v1/graph/export", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  download(await response.blob(), "credit-graph-view.html");
}

function csv(rows, columns) {
  const cell = (v) => {
    const s = v === undefined || v === null ? "" : String(v);
    return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  };
  return "\ufeff" + [columns.join(","), ...rows.map((r) => columns.map((c) => cell(r[c])).join(","))].join("\r\n");
}

function exportCsvNodes() {
  const columns = ["id", "label", "name", "risk", "uscc", "key", "id_masked", "code", "record_id", "kind", "status", "decided_on", "authority", "basis"];
  const rows = nodes.get().filter((n) => n.kind !== "more").map((n) => Object.assign({}, n.data, { label: n.kind }));
  download(new Blob([csv(rows, columns)], { type: "text/csv;charset=utf-8" }), "credit-graph-nodes.csv");
}

function exportCsvEdges() {
  const columns = ["from", "to", "type", "role", "percent", "start_date", "end_date", "source", "batch_id"];
  const rows = edges.get().filter((e) => e.data).map((e) => e.data);
  download(new Blob([csv(rows, columns)], { type: "text/csv;charset=utf-8" }), "credit-graph-edges.csv");
}

// -- wiring -----------------------------------------------------------------------------

function init() {
  $("apikey").value = localStorage.getItem("cg.apiKey") || "";
  applyI18n();
  $("save-key").addEventListener("click", () => {
    localStorage.setItem("cg.apiKey", $("apikey").value.trim());
    banner(t("keySaved"), "info");
  });
  $("lang").addEventListener("click", () => {
    state.lang = state.lang === "zh" ? "en" : "zh";
    localStorage.setItem("cg.lang", state.lang);
    applyI18n();
    reload().catch(() => {});
  });
  $("asof").addEventListener("change", () => reload().catch(() => {}));
  $("clear-asof").addEventListener("click", () => { $("asof").value = ""; reload().catch(() => {}); });
  $("search-form").addEventListener("submit", (e) => { search(e).catch(() => {}); });
  $("find-path").addEventListener("click", () => findPath().catch(() => {}));
  $("fit").addEventListener("click", () => network.fit());
  $("clear").addEventListener("click", () => { nodes.clear(); edges.clear(); state.expanded = []; status(""); });
  $("export-png").addEventListener("click", exportPng);
  $("export-html").addEventListener("click", () => exportHtml().catch(() => {}));
  $("export-csv-nodes").addEventListener("click", exportCsvNodes);
  $("export-csv-edges").addEventListener("click", exportCsvEdges);
  network.on("click", (p) => { if (p.nodes.length) showDetails(p.nodes[0]).catch(() => {}); });
  network.on("doubleClick", (p) => {
    if (!p.nodes.length) return;
    const n = nodes.get(p.nodes[0]);
    if (n && n.kind !== "more") expand(n.id, 0).catch(() => {});
  });
  if (!localStorage.getItem("cg.apiKey")) banner(t("needKey"), "info");
}

init();
