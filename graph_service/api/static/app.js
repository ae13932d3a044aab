/* Investigator page: search, neighbourhoods drawn with vis-network (data styled by pyvis on
 * the server), expand on double click, shortest path, as-of date, a subject's panel and a check
 * panel with the engine's findings (paths drawn in the graph), relocation flags, exports.
 * Colours, badges and findings are the engine's answers: the page applies no rule of its own.
 * Everything is loaded from this service; the API key is kept in localStorage. */
"use strict";

const I18N = {
  zh: {
    title: "信用联合惩戒图谱 · 调查", apiKey: "API密钥", save: "保存", asOf: "视图日期",
    today: "全部时间", search: "检索", searchPh: "名称、统一社会信用代码或身份证号",
    pathTitle: "最短关联路径", pathFrom: "起点（节点标识）", pathTo: "终点（节点标识）",
    findPath: "查找路径", legend: "图例", lgEntity: "市场主体", lgPerson: "自然人",
    lgRecord: "信用记录（有效）", lgRepaired: "已修复", lgRegion: "行政区划",
    lgListed: "受惩戒（有禁止性措施）", lgWatch: "有考量因素或提示", lgEnded: "查询日不生效的关系（已结束或尚未开始）",
    hint: "单击节点查看详情，双击展开。", fit: "适应窗口", clear: "清空", export: "导出",
    csvNodes: "CSV 节点", csvEdges: "CSV 关系", details: "详情与证据",
    detailsHint: "单击图中节点查看详情与证据。", expand: "展开", setFrom: "设为起点",
    setTo: "设为终点", evidence: "本主体的信用记录", noRecords: "没有关于本主体的信用记录",
    roles: "任职", holdings: "持股", registrations: "登记", keySaved: "API密钥已保存",
    needKey: "请先在右上角输入API密钥", results: "共{n}条", noResults: "没有结果",
    loading: "加载中…", nodes: "节点{n}个，关系{m}条", pathNone: "在{h}步内没有关联路径",
    pathFound: "找到{h}步的路径", more: "还有{n}个", basis: "依据", authority: "认定机关",
    decided: "认定日期", effective: "有效期", status: "状态", source: "来源", batch: "加载批次",
    idNumber: "身份证号", idMasked: "身份证号（脱敏）", uscc: "统一社会信用代码", region: "区划",
    orgType: "类型", registeredOn: "成立日期", kind: "类别", risk: "风险", code: "代码",
    from: "起", to: "止", name: "名称", pct: "比例", role: "职务", holder: "持有人",
    entity: "主体", subject: "对象", listed: "受惩戒", watch: "有考量或提示", repaired: "已修复",
    none: "无", person: "自然人", entityKind: "市场主体", expanded: "已展开：{name}",
    lgNotInForce: "信用记录（不在有效期内）", lgPath: "证据路径",
    checkTitle: "行为核查", checkSubject: "主体：统一社会信用代码、身份证号或人员密钥",
    checkOn: "日期", checkRun: "核查", allowed: "允许", denied: "不允许（有禁止性措施）",
    prohibition: "禁止", consideration: "考量因素", advisory: "提示（须认定）",
    flagsTitle: "易地出现标记", flagsLoad: "加载标记", flagsCount: "共{n}个标记", noFlags: "没有标记",
    openEvidence: "以图查看证据", showPath: "在图中显示路径", checkThis: "核查此主体",
    reaches: "影响该主体的措施", nothingReaches: "{d}没有惩戒措施影响该主体", judgedOn: "判定日：{d}",
    "pattern.phoenix": "换壳重现", "pattern.migration": "迁址", "pattern.serial": "多地连续失信",
    "reached.subject": "本主体", "reached.named": "记录点名", "reached.added": "法院追加",
    "reached.roles": "认定时任职", "reached.late_office": "违法后至认定前就任",
    "reached.inferred": "推定控制（须认定）", reachedAs: "如何涉及", capacity: "身份",
    until: "截至", record: "记录", measure: "措施", acts: "行为", path: "路径", score: "评分",
    since: "出现日期", regions: "区划", via: "途径", inForce: "当日适用", notInForce: "当日不适用",
    "step.CONCERNS": "涉及", "step.NAMES": "点名", "step.REGISTERED_IN": "登记于", "step.HOLDS": "持股",
    control: "控制", caseNo: "案号", flagOf: "标记", days: "{n}天",
  },
  en: {
    title: "Joint punishment graph · Investigation", apiKey: "API key", save: "Save",
    asOf: "As of", today: "All time", search: "Search",
    searchPh: "Name, USCC or ID number", pathTitle: "Shortest path",
    pathFrom: "From (node id)", pathTo: "To (node id)", findPath: "Find path", legend: "Legend",
    lgEntity: "Market entity", lgPerson: "Person", lgRecord: "Credit record (active)",
    lgRepaired: "Repaired", lgRegion: "Region", lgListed: "Restricted (a prohibition applies)",
    lgWatch: "Considerations or advisories", lgEnded: "Not in force on the date shown (ended or not yet begun)",
    hint: "Click a node for details, double-click to expand.", fit: "Fit", clear: "Clear",
    export: "Export", csvNodes: "CSV nodes", csvEdges: "CSV edges", details: "Details and evidence",
    detailsHint: "Click a node in the graph for its details and evidence.", expand: "Expand",
    setFrom: "Path from here", setTo: "Path to here", evidence: "Credit records about this subject",
    noRecords: "No credit records about this subject", roles: "Roles", holdings: "Holdings",
    registrations: "Registrations", keySaved: "API key saved",
    needKey: "Enter an API key (top right) first", results: "{n} found", noResults: "Nothing found",
    loading: "Loading…", nodes: "{n} nodes, {m} edges", pathNone: "No path within {h} steps",
    pathFound: "Path of {h} steps", more: "and {n} more", basis: "Basis", authority: "Authority",
    decided: "Decided", effective: "In force", status: "Status", source: "Source", batch: "Load",
    idNumber: "ID number", idMasked: "ID number (masked)", uscc: "USCC", region: "Region",
    orgType: "Type", registeredOn: "Registered", kind: "Kind", risk: "Risk", code: "Code",
    from: "From", to: "To", name: "Name", pct: "Percent", role: "Role", holder: "Holder",
    entity: "Entity", subject: "Subject", listed: "Restricted", watch: "Considerations", repaired: "Repaired",
    none: "None", person: "Person", entityKind: "Entity", expanded: "Expanded: {name}",
    lgNotInForce: "Credit record (not in force)", lgPath: "Evidence path",
    checkTitle: "Check an action", checkSubject: "Subject: USCC, ID number or person key",
    checkOn: "Date", checkRun: "Check", allowed: "Allowed", denied: "Not allowed (a prohibition applies)",
    prohibition: "Prohibition", consideration: "Consideration", advisory: "Advisory (to be decided)",
    flagsTitle: "Relocation flags", flagsLoad: "Load flags", flagsCount: "{n} flags", noFlags: "No flags",
    openEvidence: "Open the evidence as a graph", showPath: "Show the path in the graph",
    checkThis: "Check this subject", reaches: "What reaches this subject",
    nothingReaches: "Nothing reaches this subject on {d}", judgedOn: "Judged on {d}",
    "pattern.phoenix": "Phoenix", "pattern.migration": "Migration", "pattern.serial": "Serial",
    "reached.subject": "the subject itself", "reached.named": "named in the record",
    "reached.added": "added by the court", "reached.roles": "held the office when decided",
    "reached.late_office": "took office between offence and decision",
    "reached.inferred": "inferred controller (to be decided)", reachedAs: "Reached as",
    capacity: "Capacity", until: "Until", record: "Record", measure: "Measure", acts: "Actions",
    path: "Path", score: "Score", since: "Since", regions: "Regions", via: "Via",
    inForce: "applies that day", notInForce: "does not apply that day",
    "step.CONCERNS": "concerns", "step.NAMES": "names", "step.REGISTERED_IN": "registered in",
    "step.HOLDS": "holds", control: "control", caseNo: "Case no.", flagOf: "Flag", days: "{n} days",
  },
};

const LIMIT = parseInt(document.body.dataset.neighbourLimit, 10) || 50;
const VOCAB = JSON.parse(document.body.dataset.vocabulary || "{}");
const state = {
  lang: localStorage.getItem("cg.lang") || "zh",
  // what the graph shows, in the order it was opened; replayed when the date or language changes:
  // {kind: "expand", id, offset} | {kind: "steps", steps}
  views: [],
  selected: null,
  lastSearch: null, // the last search page (re-rendered in the other language)
  lastPath: null,
  lastCheck: null,
  flags: null, // the loaded relocation flags, or null
  highlighted: [], // edges drawn as evidence: {id, color, width} to restore
  dateShown: null, // the as-of date the page shows
  queue: Promise.resolve(), // redraws run one after the other
};

/** Run redraws one at a time (a second one waits for the first; neither sees half a graph). */
function serially(task) {
  state.queue = state.queue.then(task, task).catch(() => {});
  return state.queue;
}

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

/** A value from the data (a name, an authority, a legal citation): shown as it is recorded. */
function dv(value) { return value === undefined || value === null || value === "" ? null : el("span", { class: "data" }, String(value)); }

/** One side of a bilingual "中文 / English" label. */
const lbl = (s) => (s || "").split(" / ")[state.lang === "zh" ? 0 : 1] || s || "";

function vocabName(group, code) {
  const entry = (VOCAB[group] || {})[code];
  return entry ? entry[state.lang] : code;
}

function actionName(action) {
  const entry = (VOCAB.actions || []).find((a) => a.action === action);
  return entry ? entry[state.lang] : action;
}

function applyI18n() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll("[data-i18n]").forEach((n) => { n.textContent = t(n.dataset.i18n); });
  document.querySelectorAll("[data-i18n-ph]").forEach((n) => { n.placeholder = t(n.dataset.i18nPh); });
  $("lang").textContent = state.lang === "zh" ? "English" : "中文";
  document.title = t("title");
  if ($("banner").className === "info") banner(null); // a note in the other language
  // a tooltip last shown in the other language (vis keeps its element)
  document.querySelectorAll(".vis-tooltip").forEach((n) => { n.textContent = ""; n.style.visibility = "hidden"; });
  fillActions();
  renderResults();
  renderPath();
  renderCheck();
  renderFlags();
}

function banner(message, kind) {
  const b = $("banner");
  if (!message) { b.hidden = true; b.textContent = ""; return; }
  b.textContent = message;
  b.className = kind === "info" ? "info" : "";
  b.hidden = false;
  if (kind === "info") setTimeout(() => { if (b.textContent === message) banner(null); }, 2500);
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

function today() { return new Date().toISOString().slice(0, 10); }

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

function clearGraph() {
  nodes.clear();
  edges.clear();
  state.views = [];
  state.highlighted = [];
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
  if (!state.views.some((v) => v.kind === "expand" && v.id === id && v.offset === offset)) {
    state.views.push({ kind: "expand", id, offset });
  }
  return view;
}

async function open(id) {
  clearGraph();
  const view = await expand(id, 0);
  network.once("stabilizationIterationsDone", () => network.fit());
  network.selectNodes([view.node.id]);
  showDetails(view.node.id);
}

function sameEdge(a, b) {
  return a.type === b.type && a.from === b.from && a.to === b.to && (a.type !== "ROLE" || a.role === b.role);
}

function unhighlight() {
  for (const h of state.highlighted) if (edges.get(h.id)) edges.update({ id: h.id, color: h.color, width: h.width, evidence: false });
  state.highlighted = [];
}

/** Draw evidence steps (a finding's path, a flag's evidence) into the graph, highlighted;
 * an edge the graph already shows is highlighted rather than drawn twice. */
async function drawSteps(steps) {
  if (!steps.length) return [];
  const params = new URLSearchParams({ vis: state.lang });
  if (asOf()) params.set("on", asOf());
  const view = await apiJson("/v1/graph/steps?" + params, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ steps }),
  });
  nodes.update(view.vis.nodes);
  const existing = edges.get();
  for (const e of view.vis.edges) {
    const shown = existing.find((x) => x.data && sameEdge(x.data, e.data));
    const id = shown ? shown.id : e.id;
    if (!shown) edges.add(e);
    const current = edges.get(id);
    if (!state.highlighted.some((h) => h.id === id)) state.highlighted.push({ id, color: current.color, width: current.width });
    edges.update({ id, color: { color: "#d62728", highlight: "#d62728" }, width: 3.5, evidence: true });
  }
  if (!state.views.some((v) => v.kind === "steps" && JSON.stringify(v.steps) === JSON.stringify(steps))) {
    state.views.push({ kind: "steps", steps });
  }
  status(t("nodes", { n: nodes.length, m: edges.length }));
  const ids = view.nodes.map((n) => n.id);
  network.selectNodes(ids.filter((i) => nodes.get(i)));
  network.fit({ nodes: ids.filter((i) => nodes.get(i)), animation: false });
  return ids;
}

async function reload() {
  const replay = state.views.slice();
  clearGraph();
  for (const v of replay) {
    try {
      if (v.kind === "expand") await expand(v.id, v.offset);
      else await drawSteps(v.steps);
    } catch (err) { /* not in the graph that day */ }
  }
  if (state.selected && nodes.get(state.selected)) showDetails(state.selected).catch(() => {});
  else { state.selected = null; fill($("details-body"), t("detailsHint")); $("details-body").classList.add("muted"); }
}

// -- search -----------------------------------------------------------------------------

async function search(event) {
  if (event) event.preventDefault();
  const q = $("q").value.trim();
  if (!q) return;
  state.lastSearch = await apiJson("/v1/search?" + new URLSearchParams({ q, limit: "50" }));
  renderResults();
}

function renderResults() {
  const page = state.lastSearch;
  const list = $("results");
  if (!page) return;
  const active = (list.querySelector("li.active") || {}).dataset;
  list.replaceChildren();
  $("results-info").textContent = page.total ? t("results", { n: page.total }) : t("noResults");
  for (const hit of page.items) {
    const li = el("li", { "data-id": hit.id, class: "hit" + (active && active.id === hit.id ? " active" : "") },
      el("span", { class: "kind " + hit.type }, hit.type === "entity" ? t("entityKind") : t("person")),
      dv(hit.name || hit.id),
      el("span", { class: "sub" }, hit.uscc || hit.id_masked || hit.key));
    li.addEventListener("click", () => {
      list.querySelectorAll("li").forEach((n) => n.classList.remove("active"));
      li.classList.add("active");
      open(hit.id).catch(() => {});
    });
    list.append(li);
  }
}

// -- findings (from the engine) ---------------------------------------------------------

function dl(pairs) {
  const d = el("dl");
  for (const [k, v] of pairs) {
    if (v === undefined || v === null || v === "") continue;
    d.append(el("dt", null, k), el("dd", null, v instanceof Node ? v : String(v)));
  }
  return d;
}

function badge(code, text) { return el("span", { class: "badge " + (code || "") }, text || code); }

function stepText(s) {
  const name = (id, n) => (n ? lbl(n) : id.slice(0, 14));
  let rel = t("step." + s.type);
  if (s.type === "ROLE") rel = vocabName("roles", s.role);
  else if (s.type === "NAMES" && s.role) rel += " · " + vocabName("roles", s.role);
  else if (s.type === "HOLDS" && s.percent !== undefined && s.percent !== null) rel += " " + s.percent + "%";
  const dates = s.start_date ? " (" + s.start_date + "→" + (s.end_date || "") + (s.source ? ", " + s.source : "") + ")" : "";
  return el("li", null, dv(name(s.from_id, s.from_name)), " —" + rel + "→ ", dv(name(s.to_id, s.to_name)), dates);
}

/** One finding (grouped with the actions it covers): measure, record, basis, reach, path. */
function findingBox(f, actions) {
  const r = f.record;
  const reached = t("reached." + f.reached_as) + (f.capacity ? " · " + vocabName("roles", f.capacity) : "");
  return el("div", { class: "finding " + f.type, "data-measure": f.measure.id, "data-record": r.record_id },
    el("div", { class: "head" }, badge(f.type, t(f.type)), " ", state.lang === "zh" ? f.measure.zh : f.measure.en,
      el("span", { class: "muted" }, " " + f.measure.id)),
    actions ? el("div", { class: "acts" }, t("acts") + ": " + actions.map(actionName).join(", ")) : null,
    dl([
      [t("record"), el("span", null, lbl(r.kind_label) + " ", dv(r.record_id), " · ", dv(r.authority), " · " + r.decided_on)],
      [t("basis"), dv(f.measure.basis)],
      [t("reachedAs"), reached],
      [t("until"), f.until],
      [t("caseNo"), dv(r.case_no)],
    ]),
    el("ol", { class: "path" }, ...f.path.map(stepText)),
    el("div", { class: "why" }, state.lang === "zh" ? f.explanation_zh : f.explanation_en),
    f.advisory_reason ? el("div", { class: "why" }, lbl(f.advisory_reason)) : null,
    el("button", { type: "button", class: "show-path", onclick: () => drawSteps(f.path).catch(() => {}) }, t("showPath")));
}

/** The engine's findings for a subject (action → answer), grouped by measure and record. */
function reachesBox(findings, day) {
  const groups = new Map();
  for (const [action, answer] of Object.entries(findings)) {
    for (const f of [...answer.prohibitions, ...answer.considerations, ...answer.advisories]) {
      const key = [f.type, f.measure.id, f.record.record_id, f.reached_as, f.capacity].join("|");
      if (!groups.has(key)) groups.set(key, { f, actions: [] });
      groups.get(key).actions.push(action);
    }
  }
  const order = { prohibition: 0, consideration: 1, advisory: 2 };
  const sorted = [...groups.values()].sort((a, b) => order[a.f.type] - order[b.f.type]);
  return el("div", { class: "reaches" }, el("h3", null, t("reaches")),
    sorted.length ? null : el("p", { class: "muted" }, t("nothingReaches", { d: day })),
    ...sorted.map((g) => findingBox(g.f, g.actions)));
}

/** The flagged entity's name: the flag's, else as its evidence names it. */
function flagEntity(f) {
  if (f.entity_name || !f.uscc) return f.entity_name;
  const step = (f.evidence || []).find((s) => s.to_id === "E:" + f.uscc && s.to_name) ||
    (f.evidence || []).find((s) => s.from_id === "E:" + f.uscc && s.from_name);
  return step ? (step.to_id === "E:" + f.uscc ? step.to_name : step.from_name) : f.uscc;
}

function flagBox(f) {
  return el("div", { class: "flag", "data-flag": f.flag_id },
    el("div", { class: "head" }, badge("", t("pattern." + f.pattern)), " ", dv(f.person_name), " ", dv(flagEntity(f)),
      el("span", { class: "muted" }, " " + t("score") + " " + f.score)),
    dl([
      [t("since"), f.since],
      [t("regions"), f.region_from ? f.region_from + " → " + (f.region_to || "") : (f.regions || []).join(", ")],
      [t("via"), f.via ? (f.via === "control" ? t("control") : vocabName("roles", f.via)) : null],
      [t("record"), (f.record_ids || []).join(", ")],
    ]),
    el("button", { type: "button", class: "open-evidence", onclick: () => openFlag(f).catch(() => {}) }, t("openEvidence")));
}

function evidence(records, inForceOf) {
  const box = el("div", { class: "records" }, el("h3", null, t("evidence")));
  if (!records.length) { box.append(el("p", { class: "muted" }, t("noRecords"))); return box; }
  for (const r of records) {
    const inForce = inForceOf ? inForceOf(r) : r.in_force;
    box.append(el("div", { class: "evidence " + (r.status || "active"), "data-record": r.record_id },
      el("div", { class: "head" }, lbl(r.kind_label) || r.kind, badge(r.status, lbl(r.status_label) || r.status),
        inForce === undefined ? null : badge(inForce ? "inforce" : "notinforce", inForce ? t("inForce") : t("notInForce"))),
      dl([
        [t("authority"), dv(r.authority)],
        [t("basis"), dv(r.basis)],
        [t("decided"), r.decided_on],
        [t("effective"), (r.effective_from || "") + " → " + (r.effective_to || "")],
        [t("status"), r.status_on ? (lbl(r.status_label) + " " + r.status_on) : null],
        ["ID", dv(r.record_id)],
        [t("caseNo"), dv(r.case_no)],
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

function subjectCode(data) { return data.label === "Entity" ? data.uscc : data.key; }

function actions(id, data) {
  const subject = id.startsWith("E:") || id.startsWith("P:");
  return el("div", { class: "actions" },
    el("button", { type: "button", id: "btn-expand", onclick: () => expand(id, 0).catch(() => {}) }, t("expand")),
    subject ? el("button", { type: "button", onclick: () => { $("path-from").value = id; } }, t("setFrom")) : null,
    subject ? el("button", { type: "button", onclick: () => { $("path-to").value = id; } }, t("setTo")) : null,
    subject ? el("button", { type: "button", id: "btn-check", onclick: () => { $("check-subject").value = subjectCode(data); } }, t("checkThis")) : null);
}

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
  const title = el("h3", null, dv(data.name || id));
  fill(body, el("div", null, title), actions(id, data), el("p", { class: "muted" }, t("loading")));
  try {
    if (data.label === "Entity" || data.label === "Person") {
      const params = new URLSearchParams({ id });
      if (asOf()) params.set("on", asOf());
      const p = await apiJson("/v1/graph/panel?" + params);
      if (state.selected !== id) return;
      const s = p.subject;
      const head = el("div", null, title, p.risk !== "none" ? badge(p.risk, t(p.risk)) : null,
        el("div", { class: "muted" }, t("judgedOn", { d: p.judged_on })));
      const who = data.label === "Entity" ? dl([
        [t("uscc"), s.uscc], [t("region"), dv(s.region_name || s.region_code)],
        [t("orgType"), lbl(s.org_type_label)], [t("registeredOn"), s.registered_on],
        [t("source"), s.source], [t("batch"), s.batch_id],
      ]) : dl([
        [t("idNumber"), s.id_number ? el("span", { class: "idnum" }, s.id_number) : null],
        [t("idMasked"), s.id_masked], [t("source"), s.source], [t("batch"), s.batch_id],
      ]);
      const other = (r) => (data.label === "Entity" ? dv(r.person_name) : dv(r.entity_name));
      fill(body, head, who, actions(id, data), reachesBox(p.findings, p.judged_on),
        p.flags.length ? el("div", { class: "flags" }, el("h3", null, t("flagsTitle")), ...p.flags.map(flagBox)) : null,
        evidence(p.records),
        relTable(t("roles"), p.roles, [
          [data.label === "Entity" ? t("name") : t("entity"), other], [t("role"), (r) => lbl(r.role_label)],
          [t("from"), (r) => r.start_date], [t("to"), (r) => r.end_date]]),
        relTable(t("holdings"), p.holdings, [
          [t("holder"), (r) => dv(r.holder_name)], [t("entity"), (r) => dv(r.entity_name)],
          [t("pct"), (r) => r.percent], [t("from"), (r) => r.start_date], [t("to"), (r) => r.end_date]]),
        relTable(t("registrations"), p.registrations || [], [
          [t("region"), (r) => dv(r.region_name || r.region_code)], [t("from"), (r) => r.start_date], [t("to"), (r) => r.end_date]]));
    } else if (data.label === "Record") {
      const r = await apiJson("/v1/records/" + encodeURIComponent(data.record_id));
      fill(body, el("div", null, title), actions(id, data), evidence([r], () => data.in_force));
    } else {
      fill(body, el("div", null, title), dl([[t("code"), data.code], [t("name"), dv(data.name)]]), actions(id, data));
    }
  } catch (err) {
    fill(body, el("div", null, title), actions(id, data), el("p", { class: "muted" }, String(err.message || err)));
  }
}

// -- check panel ------------------------------------------------------------------------

function fillActions() {
  const select = $("check-action");
  const chosen = select.value;
  select.replaceChildren(...(VOCAB.actions || []).map((a) =>
    el("option", { value: a.action }, a[state.lang] + " · " + a.action)));
  if (chosen) select.value = chosen;
}

async function runCheck() {
  const subject = $("check-subject").value.trim();
  if (!subject) return;
  const on = $("check-on").value || asOf() || today();
  const params = new URLSearchParams({ subject, action: $("check-action").value, on });
  state.lastCheck = await apiJson("/v1/check?" + params);
  renderCheck();
  const steps = state.lastCheck.prohibitions.concat(state.lastCheck.considerations, state.lastCheck.advisories)
    .flatMap((f) => f.path);
  unhighlight();
  if (steps.length) await drawSteps(steps);
}

function renderCheck() {
  const box = $("check-result");
  const r = state.lastCheck;
  if (!r) { box.replaceChildren(); return; }
  const findings = [...r.prohibitions, ...r.considerations, ...r.advisories];
  fill(box,
    el("div", { class: "verdict " + (r.allowed ? "allowed" : "denied") }, r.allowed ? t("allowed") : t("denied")),
    el("div", { class: "muted" }, dv(r.subject.name), " · " + actionName(r.action) + " · " + r.on),
    ...findings.map((f) => findingBox(f, null)));
}

// -- relocation flags -------------------------------------------------------------------

async function loadFlags() {
  const params = new URLSearchParams({ limit: "100", on: asOf() || today() });
  state.flags = await apiJson("/v1/relocations?" + params);
  renderFlags();
}

function renderFlags() {
  const list = $("flags");
  if (state.flags === null) return;
  $("flags-info").textContent = state.flags.length ? t("flagsCount", { n: state.flags.length }) : t("noFlags");
  list.replaceChildren(...state.flags.map((f) => {
    const li = el("li", { "data-flag": f.flag_id },
      el("span", { class: "score" }, f.score), badge("", t("pattern." + f.pattern)), " ",
      dv(f.person_name || flagEntity(f)), " ", dv(f.person_name ? flagEntity(f) : null),
      el("div", { class: "muted" }, (f.region_from ? f.region_from + " → " + (f.region_to || "") : (f.regions || []).join(", ")) + " · " + f.since));
    li.addEventListener("click", () => {
      list.querySelectorAll("li").forEach((n) => n.classList.remove("active"));
      li.classList.add("active");
      openFlag(f).catch(() => {});
    });
    return li;
  }));
}

/** A flag's evidence as a graph of its own, with the flag in the panel. */
async function openFlag(f) {
  clearGraph();
  await drawSteps(f.evidence);
  state.selected = null;
  $("details-body").classList.remove("muted");
  fill($("details-body"), el("h3", null, t("flagOf") + " " + f.flag_id), flagBox(f));
}

// -- path -------------------------------------------------------------------------------

async function findPath() {
  const from = $("path-from").value.trim();
  const to = $("path-to").value.trim();
  if (!from || !to) return;
  const params = new URLSearchParams({ from, to, vis: state.lang, max_hops: "6" });
  const result = await apiJson("/v1/graph/path?" + params);
  state.lastPath = result;
  renderPath();
  if (!result.found) return;
  merge(result.vis);
  edges.update(result.vis.edges.map((e) => ({ id: e.id, color: { color: "#d62728" }, width: 3 })));
  network.selectNodes(result.nodes.map((n) => n.id));
  network.fit({ nodes: result.nodes.map((n) => n.id), animation: true });
}

function renderPath() {
  const result = state.lastPath;
  if (!result) return;
  if (!result.found) { $("path-result").textContent = t("pathNone", { h: 6 }); return; }
  fill($("path-result"), t("pathFound", { h: result.hops }) + ": ",
    ...result.nodes.flatMap((n, i) => [i ? " → " : null, dv(n.name || n.id)]));
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
  const columns = ["id", "label", "name", "risk", "in_force", "uscc", "key", "id_masked", "code", "record_id", "kind", "status", "decided_on", "authority", "basis"];
  const rows = nodes.get().filter((n) => n.kind !== "more").map((n) => Object.assign({}, n.data, { label: n.kind }));
  download(new Blob([csv(rows, columns)], { type: "text/csv;charset=utf-8" }), "credit-graph-nodes.csv");
}

function exportCsvEdges() {
  const columns = ["from", "to", "type", "role", "percent", "start_date", "end_date", "source", "batch_id"];
  const rows = edges.get().filter((e) => e.data).map((e) => e.data);
  download(new Blob([csv(rows, columns)], { type: "text/csv;charset=utf-8" }), "credit-graph-edges.csv");
}

// -- wiring -----------------------------------------------------------------------------

/** The as-of date governs the whole page: graph, panel, badges, the check's date, the flags.
 * Evidence drawn from answers of another day is dropped; the check is asked again. */
async function changeDate() {
  if (asOf() === state.dateShown) return; // a date input may say "change" twice
  state.dateShown = asOf();
  $("check-on").value = asOf() || "";
  state.views = state.views.filter((v) => v.kind === "expand");
  await reload();
  if (state.lastCheck) await runCheck();
  if (state.flags !== null) await loadFlags();
}

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
    serially(reload);
  });
  $("asof").addEventListener("change", () => serially(changeDate));
  $("clear-asof").addEventListener("click", () => { $("asof").value = ""; serially(changeDate); });
  $("search-form").addEventListener("submit", (e) => { search(e).catch(() => {}); });
  $("find-path").addEventListener("click", () => findPath().catch(() => {}));
  $("check-run").addEventListener("click", () => runCheck().catch(() => {}));
  $("flags-load").addEventListener("click", () => loadFlags().catch(() => {}));
  $("fit").addEventListener("click", () => network.fit());
  $("clear").addEventListener("click", () => { clearGraph(); status(""); });
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
