//! The page: CSS, the embedded Cytoscape.js (MIT, `assets/`), the data as
//! JSON, and the script that draws the map and fills the tables.

static CYTOSCAPE: &str = include_str!("assets/cytoscape.min.js");

const STYLE: &str = r#"
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:14px 24px}
header h1{margin:0 0 6px;font-size:20px}
#summary{display:flex;flex-wrap:wrap;gap:18px}
#summary div{background:#2c3446;padding:6px 12px;border-radius:6px}
#summary b{display:block;font-size:18px}
section{margin:18px 24px;background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:12px 16px}
h2{font-size:16px;margin:0 0 10px}
#map{height:560px;border:1px solid #dde1e7;border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #eceef2;padding:4px 6px;text-align:left;vertical-align:top}
th{cursor:pointer;background:#f0f2f5;position:sticky;top:0}
th.sorted::after{content:" \25B4"} th.sorted.desc::after{content:" \25BE"}
tr.hot td{background:#fff1f0}
.sev-critical{color:#a8071a;font-weight:600}.sev-high{color:#d4380d;font-weight:600}.sev-medium{color:#ad6800}.sev-low{color:#237804}
input{padding:4px 8px;margin:0 0 8px;width:280px}
.scroll{max-height:420px;overflow:auto}
.legend span{display:inline-block;margin-right:14px}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:4px;vertical-align:middle}
a{color:#0958d9;cursor:pointer}
"#;

const SCRIPT: &str = r#"
(function () {
  const D = JSON.parse(document.getElementById('data').textContent);
  const fmt = t => t ? new Date(t * 1000).toISOString().replace(/\.\d+Z$/, 'Z') : '';
  const el = (tag, attrs, text) => { const e = document.createElement(tag); Object.assign(e, attrs || {}); if (text !== undefined) e.textContent = text; return e; };

  // Summary.
  const sum = document.getElementById('summary');
  const sev = D.alerts_by_severity;
  [['Capture', fmt(D.first_ts) + ' \u2013 ' + fmt(D.last_ts)], ['Packets', D.packets.toLocaleString()],
   ['Devices', D.devices.length], ['Connections', D.connections.toLocaleString()],
   ['Alerts', D.alerts.length + (D.alerts.length ? ' (' + Object.entries(sev).map(([k, v]) => v + ' ' + k).join(', ') + ')' : '')]]
    .forEach(([k, v]) => { const d = el('div'); d.append(el('span', {}, k), el('b', {}, String(v))); sum.append(d); });

  // Map: devices grouped by Purdue level, edges with protocol and functions.
  const levels = {1: 'Level 1 \u2013 control', 2: 'Level 2 \u2013 supervisory', 3: 'Level 3 \u2013 operations', 0: 'Unclassified'};
  const roleColor = r => r.includes('controller') ? '#d46b08' : r.includes('io_adapter') ? '#7cb305' : r.includes('engineering_workstation') ? '#722ed1' :
    r.includes('hmi_scada') ? '#1677ff' : r.includes('historian') ? '#13c2c2' : r.includes('scanner') ? '#cf1322' : r.some(x => x.startsWith('opcua')) ? '#08979c' : '#8c8c8c';
  const known = new Set(D.devices.map(d => d.ip));
  const nodes = [];
  const used = new Set();
  D.devices.forEach(d => used.add(d.purdue || 0));
  D.edges.forEach(e => { [e.client, e.server].forEach(ip => { if (!known.has(ip)) used.add(0); }); });
  [...used].sort().forEach(l => nodes.push({data: {id: 'level' + l, label: levels[l] || ('Level ' + l)}, classes: 'group'}));
  D.devices.forEach(d => nodes.push({data: {id: d.ip, parent: 'level' + (d.purdue || 0), color: roleColor(d.roles),
    label: d.ip + '\n' + (d.roles.join(', ') || '-') + (d.identity ? '\n' + d.identity.slice(0, 40) : (d.vendor ? '\n' + d.vendor.slice(0, 40) : ''))},
    classes: d.anomalous ? 'hot' : ''}));
  D.edges.forEach(e => [e.client, e.server].forEach(ip => { if (!known.has(ip)) { known.add(ip); nodes.push({data: {id: ip, parent: 'level0', color: '#bfbfbf', label: ip}}); } }));
  const edges = D.edges.map((e, i) => {
    const f = Object.keys(e.functions);
    return {data: {id: 'e' + i, source: e.client, target: e.server,
      label: e.protocol + '/' + e.port + (f.length ? '\n' + f.slice(0, 3).join('\n') + (f.length > 3 ? '\n+' + (f.length - 3) : '') : '')},
      classes: (e.anomalous ? 'hot' : '') + (e.known === false ? ' new' : '') + (e.writes ? ' writes' : '')};
  });
  const cy = cytoscape({
    container: document.getElementById('map'),
    elements: {nodes: nodes, edges: edges},
    style: [
      {selector: 'node', style: {'label': 'data(label)', 'text-wrap': 'wrap', 'font-size': 9, 'text-valign': 'bottom', 'text-margin-y': 4,
        'background-color': 'data(color)', 'width': 22, 'height': 22}},
      {selector: 'node.group', style: {'background-color': '#f0f5ff', 'background-opacity': 0.6, 'border-color': '#adc6ff', 'border-width': 1,
        'label': 'data(label)', 'text-valign': 'top', 'font-size': 12, 'font-weight': 'bold', 'color': '#1d39c4'}},
      {selector: 'node.hot', style: {'border-color': '#cf1322', 'border-width': 3}},
      {selector: 'edge', style: {'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'width': 1.5, 'line-color': '#8c8c8c',
        'target-arrow-color': '#8c8c8c', 'label': 'data(label)', 'text-wrap': 'wrap', 'font-size': 7, 'color': '#434343',
        'text-background-color': '#fff', 'text-background-opacity': 0.8}},
      {selector: 'edge.writes', style: {'line-style': 'dashed'}},
      {selector: 'edge.new', style: {'line-color': '#fa8c16', 'target-arrow-color': '#fa8c16'}},
      {selector: 'edge.hot', style: {'line-color': '#cf1322', 'target-arrow-color': '#cf1322', 'width': 3}},
      {selector: ':selected', style: {'overlay-color': '#1677ff', 'overlay-opacity': 0.2}}
    ],
    layout: {name: 'preset'}
  });
  // One horizontal band per Purdue level (3 at the top, unclassified at
  // the bottom), each laid out as a grid by Cytoscape: legible for a few
  // hundred devices; zoom and pan for the rest.
  let y = 0;
  [3, 2, 1, 0].filter(l => used.has(l)).forEach(l => {
    const members = cy.getElementById('level' + l).children();
    const cols = Math.max(1, Math.min(12, Math.ceil(Math.sqrt(members.length * 4))));
    const rows = Math.ceil(members.length / cols);
    const h = rows * 110;
    members.layout({name: 'grid', cols: cols, avoidOverlap: true, condense: false,
      boundingBox: {x1: 0, y1: y, w: Math.max(300, cols * 150), h: h}, animate: false, sort: (a, b) => a.id().localeCompare(b.id(), undefined, {numeric: true})}).run();
    y += h + 90;
  });
  cy.fit(undefined, 20);
  window.otwatchMap = cy;

  // Tables: sortable by any column, filterable.
  function table(id, columns, rows, rowClass) {
    const t = document.getElementById(id);
    const head = el('tr');
    columns.forEach(([name], i) => { const th = el('th', {}, name); th.onclick = () => sort(i); head.append(th); });
    t.tHead.append(head);
    let order = {col: -1, desc: false};
    function render(list) {
      t.tBodies[0].replaceChildren(...list.map(r => {
        const tr = el('tr', {className: rowClass ? rowClass(r) : ''});
        columns.forEach(([, get, render]) => { const td = el('td'); if (render) render(td, r); else td.textContent = get(r); tr.append(td); });
        return tr;
      }));
    }
    function sort(i) {
      order = {col: i, desc: order.col === i ? !order.desc : false};
      [...head.children].forEach((th, j) => th.className = j === i ? 'sorted' + (order.desc ? ' desc' : '') : '');
      const get = columns[i][1];
      const cur = [...current].sort((a, b) => { const x = get(a), y = get(b); const c = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y), undefined, {numeric: true}); return order.desc ? -c : c; });
      render(cur);
    }
    let current = rows;
    render(rows);
    return {filter: q => { q = q.toLowerCase(); current = rows.filter(r => columns.some(([, get]) => String(get(r)).toLowerCase().includes(q))); render(current); }};
  }
  const focus = ip => { const n = cy.getElementById(ip); if (n.nonempty()) { cy.elements().unselect(); n.select(); cy.animate({center: {eles: n}, zoom: 1.6}, {duration: 300}); document.getElementById('map').scrollIntoView(); } };
  const ipLink = ip => (td, r) => { const a = el('a', {}, r[ip]); a.onclick = () => focus(r[ip]); td.append(a); };
  const devices = table('devices', [
    ['IP', d => d.ip, ipLink('ip')], ['Roles', d => d.roles.join(', ')], ['Purdue', d => d.purdue || 0, (td, d) => { td.textContent = d.purdue ? 'L' + d.purdue : '-'; td.title = d.purdue_reason; }],
    ['MAC vendor', d => d.vendor], ['Identity', d => d.identity], ['Firmware', d => d.firmware], ['Serves', d => d.served], ['Uses', d => d.used],
    ['Packets', d => d.packets], ['Last seen', d => d.last_seen, (td, d) => td.textContent = fmt(d.last_seen)]
  ], D.devices, d => d.anomalous ? 'hot' : '');
  document.getElementById('device-filter').oninput = e => devices.filter(e.target.value);
  const alerts = table('alerts', [
    ['Time', a => a.ts, (td, a) => td.textContent = fmt(a.ts)], ['Severity', a => ({critical: 0, high: 1, medium: 2, low: 3})[a.severity] ?? 4, (td, a) => { td.textContent = a.severity; td.className = 'sev-' + a.severity; }],
    ['Kind', a => a.kind], ['Alert', a => a.title], ['Source', a => a.src, ipLink('src')], ['Destination', a => a.dst, ipLink('dst')], ['Detail', a => a.detail]
  ], D.alerts);
  document.getElementById('alert-filter').oninput = e => alerts.filter(e.target.value);
  table('activity', [
    ['Client', e => e.client, ipLink('client')], ['Server', e => e.server, ipLink('server')], ['Protocol', e => e.protocol + '/' + e.port],
    ['Connections', e => e.connections], ['Reads', e => e.reads], ['Writes', e => e.writes],
    ['Functions', e => Object.entries(e.functions).map(([f, [n]]) => f + ' \u00d7' + n).join(', ')]
  ], D.edges.filter(e => Object.keys(e.functions).length || e.protocol !== 'tcp'), e => e.anomalous ? 'hot' : '');

  // Alert timeline: counts per time bucket, by severity.
  const svg = document.getElementById('timeline');
  const W = 900, H = 80, NS = 'http://www.w3.org/2000/svg';
  if (D.alerts.length) {
    const t0 = Math.min(...D.alerts.map(a => a.ts)), t1 = Math.max(...D.alerts.map(a => a.ts)) + 1e-6;
    const buckets = 60, counts = Array.from({length: buckets}, () => ({}));
    D.alerts.forEach(a => { const b = Math.min(buckets - 1, Math.floor((a.ts - t0) / (t1 - t0) * buckets)); counts[b][a.severity] = (counts[b][a.severity] || 0) + 1; });
    const max = Math.max(...counts.map(c => Object.values(c).reduce((x, y) => x + y, 0)));
    const color = {critical: '#a8071a', high: '#d4380d', medium: '#d48806', low: '#389e0d'};
    counts.forEach((c, i) => { let y = H - 14; ['low', 'medium', 'high', 'critical'].forEach(s => { const n = c[s] || 0; if (!n) return; const h = n / max * (H - 20);
      const r = document.createElementNS(NS, 'rect'); r.setAttribute('x', i * W / buckets + 1); r.setAttribute('y', y - h); r.setAttribute('width', W / buckets - 2); r.setAttribute('height', h); r.setAttribute('fill', color[s] || '#8c8c8c');
      r.setAttribute('class', 'bar'); y -= h; svg.append(r); }); });
    const label = (x, t, anchor) => { const e = document.createElementNS(NS, 'text'); e.setAttribute('x', x); e.setAttribute('y', H - 2); e.setAttribute('font-size', 10); e.setAttribute('text-anchor', anchor); e.textContent = t; svg.append(e); };
    label(0, fmt(t0), 'start'); label(W, fmt(t1), 'end');
  }

  // Capture quality.
  const q = document.getElementById('quality');
  q.replaceChildren(...Object.entries(D.quality).map(([k, v]) => { const tr = el('tr'); tr.append(el('td', {}, k.replace(/_/g, ' ')), el('td', {}, v === null ? '-' : String(v))); return tr; }),
    ...Object.entries(D.weirds).map(([k, v]) => { const tr = el('tr'); tr.append(el('td', {}, 'weird ' + k), el('td', {}, String(v))); return tr; }));

  document.body.dataset.nodes = cy.nodes().filter(n => !n.hasClass('group')).length;
  document.body.dataset.edges = cy.edges().length;
  document.body.dataset.devices = document.querySelectorAll('#devices tbody tr').length;
  document.body.dataset.alerts = document.querySelectorAll('#alerts tbody tr').length;
  document.body.dataset.rendered = 'ok';
})();
"#;

/// The page around the report's data (JSON).
pub fn page(data_json: &str) -> String {
    // The data sits in a script element: `</` must not close it.
    let data = data_json.replace("</", "<\\/");
    format!(
        concat!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<title>otwatch report</title><style>{style}</style></head><body>\n",
            "<header><h1>otwatch report</h1><div id=\"summary\"></div></header>\n",
            "<section><h2>Network map</h2><div class=\"legend\">",
            "<span><i class=\"dot\" style=\"background:#d46b08\"></i>controller</span>",
            "<span><i class=\"dot\" style=\"background:#7cb305\"></i>I/O adapter</span>",
            "<span><i class=\"dot\" style=\"background:#1677ff\"></i>HMI/SCADA</span>",
            "<span><i class=\"dot\" style=\"background:#722ed1\"></i>engineering</span>",
            "<span><i class=\"dot\" style=\"background:#13c2c2\"></i>historian</span>",
            "<span><i class=\"dot\" style=\"background:#cf1322\"></i>scanner</span>",
            "<span>red outline/edge: in an alert; dashed: writes; orange: not in the baseline</span>",
            "</div><div id=\"map\"></div></section>\n",
            "<section><h2>Devices</h2><input id=\"device-filter\" placeholder=\"Filter devices\">",
            "<div class=\"scroll\"><table id=\"devices\"><thead></thead><tbody></tbody></table></div></section>\n",
            "<section><h2>Alerts</h2><svg id=\"timeline\" viewBox=\"0 0 900 80\" width=\"100%\" height=\"80\"></svg>",
            "<input id=\"alert-filter\" placeholder=\"Filter alerts\">",
            "<div class=\"scroll\"><table id=\"alerts\"><thead></thead><tbody></tbody></table></div></section>\n",
            "<section><h2>Protocol activity</h2><div class=\"scroll\"><table id=\"activity\"><thead></thead><tbody></tbody></table></div></section>\n",
            "<section><h2>Capture quality</h2><table><tbody id=\"quality\"></tbody></table></section>\n",
            "<script id=\"data\" type=\"application/json\">{data}</script>\n",
            "<script>{cytoscape}</script>\n<script>{script}</script>\n</body></html>\n"
        ),
        style = STYLE,
        data = data,
        cytoscape = CYTOSCAPE,
        script = SCRIPT
    )
}
