// The report's page: alerts first, then the map (Purdue level > subnet >
// device, I/O adapters folded under their controller, IT subnets folded),
// a device panel, the device and activity tables and capture quality.
// Everything is drawn from the JSON in #data; nothing is fetched.
(function () {
  'use strict';
  const D = JSON.parse(document.getElementById('data').textContent);
  const $ = id => document.getElementById(id);
  const fmt = t => t ? new Date(t * 1000).toISOString().replace(/\.\d+Z$/, 'Z') : '';
  const el = (tag, attrs, text) => { const e = document.createElement(tag); Object.assign(e, attrs || {}); if (text !== undefined) e.textContent = text; return e; };
  const SEV = ['critical', 'high', 'medium', 'low'];
  const SEV_COLOR = {critical: '#820014', high: '#d4380d', medium: '#d48806', low: '#389e0d', other: '#8c8c8c'};
  const sevRank = s => { const i = SEV.indexOf(s); return i < 0 ? SEV.length : i; };
  const sevBadge = s => el('span', {className: 'sev sev-' + (SEV.includes(s) ? s : 'other')}, s || 'other');
  // The inventory's roles in words: otwatch's one table (the alerts' words
  // come from it too).
  const ROLE_WORDS = D.role_words;
  const roleWords = r => ROLE_WORDS[r] || r.replace(/_/g, ' ');
  // A scanner is a behaviour, not a part of the process: a host that is
  // only that is an IT host.
  const OT_ROLES = new Set(Object.keys(ROLE_WORDS).filter(r => r !== 'scanner'));
  const LEVELS = {3: 'Level 3 \u2013 operations', 2: 'Level 2 \u2013 supervisory', 1: 'Level 1 \u2013 control', 0: 'Unclassified (no Purdue level)'};
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('view') === 'map') document.body.classList.add('map-only');
  // The map's cells: a node and its three label lines (10 px), wider than
  // any label line, so labels never overlap at any zoom.
  const CELL_W = 190, CELL_H = 74, PAD = 10, LABEL_H = 24, GAP = 14;
  const MAP_W = Math.max(400, $('map').clientWidth), MAP_H = Math.max(300, $('map').clientHeight);
  const ASPECT = MAP_W / MAP_H;

  // ---- Hosts: every device of the inventory, and addresses seen only as peers.
  const hosts = new Map();
  D.devices.forEach(d => hosts.set(d.ip, d));
  D.edges.forEach(e => [e.client, e.server].forEach(ip => {
    if (!hosts.has(ip)) hosts.set(ip, {ip: ip, macs: [], roles: [], role_evidence: {}, vendor: '', identity: '', firmware: '', purdue: null,
      purdue_reason: 'not in the inventory (seen only as a peer)', served: '', used: '', packets: 0, owner: null, peerOnly: true});
  }));
  const peersOf = new Map();
  D.edges.forEach(e => [[e.client, e], [e.server, e]].forEach(([ip, x]) => { if (!peersOf.has(ip)) peersOf.set(ip, []); peersOf.get(ip).push(x); }));
  // Alert state of every host, peers too: alerts (rows) naming it as
  // actor or target, and the worst severity.
  const named = new Map();
  D.alerts.forEach(g => [[g.src, g.count], ...g.targets].forEach(([ip, n]) => {
    const x = named.get(ip) || {alerts: 0, rank: 99};
    x.alerts += n; x.rank = Math.min(x.rank, sevRank(g.severity)); named.set(ip, x);
  }));
  const unknown = D.not_in_baseline ? new Set(D.not_in_baseline) : null;
  hosts.forEach(d => {
    const x = named.get(d.ip);
    d.alerts = x ? x.alerts : 0;
    d.severity = x ? (SEV[x.rank] || 'other') : null;
    d.known = unknown ? !unknown.has(d.ip) : null;
  });
  const isIT = d => !d.roles.some(r => OT_ROLES.has(r));
  const allIT = g => g.members.every(ip => isIT(hosts.get(ip)));
  // "N devices", or "N IT hosts" when no member has an OT role.
  const howMany = g => { const n = g.members.length; return n + (allIT(g) ? ' IT host' : ' device') + (n === 1 ? '' : 's'); };
  // Open groups of a kind, the largest first (the first view folds them in
  // this order).
  const largest = kind => [...groups.values()].filter(g => g.kind === kind && !folded.has(g.id)).sort((a, b) => b.members.length - a.members.length || a.id.localeCompare(b.id));
  const level = d => d.purdue || 0;
  // IPv6 addresses in full, eight groups of four digits.
  const v6 = ip => {
    const [head, tail] = ip.split('::');
    const h = head ? head.split(':') : [], t = tail !== undefined && tail ? tail.split(':') : [];
    const groups = tail === undefined ? h : h.concat(Array(8 - h.length - t.length).fill('0'), t);
    return groups.map(x => x.padStart(4, '0'));
  };
  const v4 = ip => ip.split('.').map(Number);
  const isPrivate = ip => {
    if (ip.includes(':')) { const g = v6(ip); const a = parseInt(g[0], 16); return (a & 0xfe00) === 0xfc00 || (a & 0xffc0) === 0xfe80 || g.slice(0, 7).every(x => x === '0000'); }
    const [a, b] = v4(ip);
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b < 128);
  };
  const isGroupAddr = ip => ip.includes(':') ? v6(ip)[0].startsWith('ff') : (v4(ip)[0] >= 224);
  // A /24 (IPv4) or /64 (IPv6) of the site; the Internet and multicast or
  // broadcast addresses each in one group.
  const subnet = ip => isGroupAddr(ip) ? 'multicast and broadcast' : !isPrivate(ip) ? 'Internet' :
    ip.includes(':') ? v6(ip).slice(0, 4).map(x => x.replace(/^0{1,3}/, '')).join(':') + '::/64' : ip.split('.').slice(0, 3).join('.') + '.0/24';
  const roleColor = r => r.includes('controller') && !r.includes('io_adapter') ? '#d46b08' : r.includes('io_adapter') ? '#7cb305' : r.includes('engineering_workstation') ? '#722ed1' :
    r.includes('hmi_scada') ? '#1677ff' : r.includes('historian') ? '#13c2c2' : r.includes('scanner') ? '#cf1322' : r.some(x => x.startsWith('opcua')) ? '#08979c' : '#8c8c8c';
  const newDevice = d => d.known === false;
  const newEdge = e => e.known === false;

  // ---- Summary.
  const sum = $('summary');
  const sev = D.alerts_by_severity;
  [['Capture (UTC)', fmt(D.first_ts) + ' \u2013 ' + fmt(D.last_ts)], ['Packets', D.packets.toLocaleString('en')],
   ['Devices', D.devices.length.toLocaleString('en')], ['Edges', D.edges.length.toLocaleString('en')], ['Connections', D.connections.toLocaleString('en')],
   ['Alerts', D.alerts_total + (D.alerts_total ? ' (' + SEV.filter(s => sev[s]).map(s => sev[s] + ' ' + s).join(', ') + ')' : '')]]
    .forEach(([k, v]) => { const d = el('div'); d.append(el('span', {}, k), el('b', {}, String(v))); sum.append(d); });
  $('print').onclick = () => window.print();

  // ---- Sortable, filterable tables.
  function table(id, columns, rows, rowClass) {
    const t = $(id);
    const head = el('tr');
    columns.forEach(([name], i) => { const th = el('th', {}, name); th.onclick = () => sort(i); head.append(th); });
    t.tHead.replaceChildren(head);
    let order = {col: -1, desc: false};
    let current = rows;
    function render(list) {
      t.tBodies[0].replaceChildren(...list.map(r => {
        const tr = el('tr', {className: rowClass ? rowClass(r) : ''});
        columns.forEach(([, get, draw]) => { const td = el('td'); if (draw) draw(td, r); else td.textContent = get(r); tr.append(td); });
        return tr;
      }));
    }
    function sorted(list) {
      if (order.col < 0) return list;
      const get = columns[order.col][1];
      return [...list].sort((a, b) => { const x = get(a), y = get(b); const c = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y), undefined, {numeric: true}); return order.desc ? -c : c; });
    }
    function sort(i) {
      order = {col: i, desc: order.col === i ? !order.desc : false};
      [...head.children].forEach((th, j) => th.className = j === i ? 'sorted' + (order.desc ? ' desc' : '') : '');
      current = sorted(current);
      render(current);
    }
    render(rows);
    return {filter: keep => { current = sorted(rows.filter(keep)); render(current); }};
  }
  const ipLink = ip => { const a = el('a', {title: 'Open the device'}, ip); a.onclick = () => openPanel(ip); return a; };

  // ---- Alerts first: groups by kind and actor, most severe first.
  const alertRows = table('alerts', [
    ['Severity', g => sevRank(g.severity), (td, g) => td.append(sevBadge(g.severity))],
    ['Alert', g => g.title, (td, g) => { td.append(el('b', {}, g.title)); if (g.techniques.length) td.append(el('div', {className: 'muted'}, 'ATT&CK ' + g.techniques.join(', '))); }],
    ['What happened', g => g.action, (td, g) => { td.className = 'action'; td.append(el('div', {}, g.action)); if (g.detail) td.append(el('div', {className: 'muted detail', title: g.detail}, g.detail)); }],
    ['Count', g => g.count],
    ['First seen', g => g.first, (td, g) => td.textContent = fmt(g.first)],
    ['Last seen', g => g.last, (td, g) => td.textContent = fmt(g.last)],
    ['Devices', g => g.src, (td, g) => {
      td.append(ipLink(g.src));
      const t = g.targets.slice(0, 3);
      if (t.length) { td.append(' \u2192 '); t.forEach((x, i) => { if (i) td.append(', '); td.append(ipLink(x[0])); }); }
      if (g.targets.length > 3) td.append(el('span', {className: 'muted'}, ' +' + (g.targets.length - 3)));
    }]
  ], D.alerts);
  const sevShown = new Set([...SEV, 'other']);
  const chips = $('severity-chips');
  [...SEV, 'other'].forEach(s => {
    const n = s === 'other' ? D.alerts_total - SEV.reduce((a, x) => a + (sev[x] || 0), 0) : (sev[s] || 0);
    if (!n) return;
    const box = el('input', {type: 'checkbox', checked: true});
    box.onchange = () => { if (box.checked) sevShown.add(s); else sevShown.delete(s); filterAlerts(); };
    const l = el('label'); l.append(box, sevBadge(s), ' ' + n); chips.append(l);
  });
  const alertQuery = $('alert-filter');
  function filterAlerts() {
    const q = alertQuery.value.toLowerCase();
    alertRows.filter(g => sevShown.has(SEV.includes(g.severity) ? g.severity : 'other') &&
      (!q || [g.title, g.action, g.detail, g.src, ...g.targets.map(t => t[0])].some(x => x.toLowerCase().includes(q))));
  }
  alertQuery.oninput = filterAlerts;
  if (!D.alerts.length) $('alert-list').replaceChildren(el('p', {className: 'muted'}, 'No alerts: no rule matched and nothing deviated from the baseline.'));

  // Timeline: alerts per time bucket, stacked by severity, on a UTC time axis.
  (function timeline() {
    const svg = $('timeline');
    const NS = 'http://www.w3.org/2000/svg';
    // One user unit per pixel, so that the text is never stretched.
    const W = Math.max(400, svg.clientWidth || 1000), H = 96, top = 18, base = 72;
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    const add = (tag, attrs, text) => { const e = document.createElementNS(NS, tag); Object.entries(attrs).forEach(([k, v]) => e.setAttribute(k, v)); if (text !== undefined) e.textContent = text; svg.append(e); return e; };
    const times = D.alert_times;
    if (!times.length) { svg.style.display = 'none'; return; }
    let t0 = times[0][0], t1 = times[times.length - 1][0];
    if (t1 - t0 < 1) { t0 -= 0.5; t1 += 0.5; }
    const buckets = Math.max(20, Math.min(120, Math.floor(W / 12))), width = (W - 20) / buckets;
    const x = t => 10 + (t - t0) / (t1 - t0) * (W - 20);
    const counts = Array.from({length: buckets}, () => [0, 0, 0, 0, 0]);
    times.forEach(([t, r]) => { counts[Math.min(buckets - 1, Math.floor((t - t0) / (t1 - t0) * buckets))][Math.min(r, 4)]++; });
    const max = Math.max(1, ...counts.map(c => c.reduce((a, b) => a + b, 0)));
    counts.forEach((c, i) => {
      let y = base;
      [3, 2, 1, 0, 4].forEach(r => {
        if (!c[r]) return;
        const h = Math.max(1, c[r] / max * (base - top));
        const bar = add('rect', {x: 10 + i * width + 0.5, y: y - h, width: Math.max(1, width - 1), height: h, fill: SEV_COLOR[SEV[r] || 'other'], class: 'bar'});
        const e = document.createElementNS(NS, 'title'); e.textContent = c[r] + ' ' + (SEV[r] || 'other') + ' from ' + fmt(t0 + i * (t1 - t0) / buckets); bar.append(e);
        y -= h;
      });
    });
    add('line', {x1: 10, x2: W - 10, y1: base + 0.5, y2: base + 0.5, stroke: '#8c8c8c'});
    const span = t1 - t0;
    const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];
    const step = steps.find(s => span / s <= Math.max(3, Math.floor(W / 130))) || 604800;
    const label = t => { const iso = new Date(t * 1000).toISOString(); return span > 2 * 86400 ? iso.slice(5, 16).replace('T', ' ') : step < 60 ? iso.slice(11, 19) : iso.slice(11, 16); };
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      add('line', {x1: x(t), x2: x(t), y1: base, y2: base + 5, stroke: '#8c8c8c', class: 'tick'});
      add('text', {x: x(t), y: base + 17, 'text-anchor': 'middle'}, label(t));
    }
    add('text', {x: 10, y: 11}, 'Alerts over time (UTC, ' + new Date(t0 * 1000).toISOString().slice(0, 10) + ', ' + max + ' per bar at most)');
    let lx = W - 10;
    [...SEV, 'other'].reverse().forEach(s => {
      const n = s === 'other' ? 0 : (sev[s] || 0);
      if (s === 'other' && !times.some(t => t[1] >= 4)) return;
      const text = add('text', {x: lx, y: 11, 'text-anchor': 'end', class: 'legend'}, s + (n ? ' ' + n : ''));
      lx -= text.getComputedTextLength() + 4;
      add('rect', {x: lx - 10, y: 2, width: 10, height: 10, fill: SEV_COLOR[s]});
      lx -= 22;
    });
  })();

  // ---- The map's tree: level > subnet > (cell of a controller and its
  // I/O adapters) > device. A folded group is drawn as one node.
  const groups = new Map();   // id -> {id, kind, label, parent, children: [ids of groups], members: [ips]}
  const where = new Map();    // ip -> id of the group holding its node
  const group = (id, kind, label, parent) => {
    if (!groups.has(id)) { groups.set(id, {id, kind, label, parent, children: [], members: []}); if (parent) groups.get(parent).children.push(id); }
    return groups.get(id);
  };
  const ordered = [...hosts.values()].sort((a, b) => a.ip.localeCompare(b.ip, undefined, {numeric: true}));
  const adapters = new Map(); // controller ip -> [adapter ips]
  ordered.forEach(d => { if (d.owner && hosts.has(d.owner)) { if (!adapters.has(d.owner)) adapters.set(d.owner, []); adapters.get(d.owner).push(d.ip); } });
  // IT hosts of a subnet that also holds OT devices fold into a group of
  // their own (two or more of them).
  const subnetOf = d => 'S' + level(d) + '|' + subnet(d.ip);
  const itIn = new Map(), otIn = new Set();
  ordered.forEach(d => { const k = subnetOf(d); if (isIT(d) && !d.owner) itIn.set(k, (itIn.get(k) || 0) + 1); else otIn.add(k); });
  ordered.forEach(d => {
    if (d.owner && hosts.has(d.owner)) return;
    const l = level(d);
    const lg = group('L' + l, 'level', LEVELS[l] || ('Level ' + l), null);
    const sn = subnet(d.ip);
    const sg = group(subnetOf(d), 'subnet', sn, lg.id);
    if (isIT(d) && otIn.has(sg.id) && itIn.get(sg.id) >= 2) {
      where.set(d.ip, group('I' + sg.id, 'it', 'IT hosts of ' + sn, sg.id).id);
    } else if (adapters.has(d.ip)) {
      const cg = group('C' + d.ip, 'cell', d.ip, sg.id);
      where.set(d.ip, cg.id);
      adapters.get(d.ip).forEach(a => where.set(a, cg.id));
    } else {
      where.set(d.ip, sg.id);
    }
  });
  // Members (every device under a group) for counts, badges and filters.
  where.forEach((g, ip) => { for (let id = g; id; id = groups.get(id).parent) groups.get(id).members.push(ip); });
  const levelIds = [3, 2, 1, 0].map(l => 'L' + l).filter(id => groups.has(id)).concat([...groups.keys()].filter(id => id[0] === 'L' && ![3, 2, 1, 0].includes(+id.slice(1))));

  // Folded by default: cells (adapters under their controller), subnets of
  // IT hosts only, then the largest subnets until the map holds at most
  // MAX_NODES nodes, as many as the map shows with labels of 7 px or more
  // (a larger plant opens as an overview of its zones).
  const MAX_NODES = Math.max(24, Math.floor(MAP_W * MAP_H / ((CELL_W + GAP) * (CELL_H + GAP) * 0.7 * 0.7 * 1.5)));
  const folded = new Set();
  groups.forEach(g => { if (g.kind === 'cell' || g.kind === 'it' || (g.kind === 'subnet' && allIT(g))) folded.add(g.id); });
  const visibleCount = () => {
    let n = 0;
    const walk = id => { if (folded.has(id)) { n++; return; } n += groups.get(id).members.filter(ip => where.get(ip) === id).length; groups.get(id).children.forEach(walk); };
    levelIds.forEach(walk);
    return n;
  };
  largest('subnet').forEach(g => { if (visibleCount() > MAX_NODES) folded.add(g.id); });
  if (hash.get('expand') === 'all') folded.clear();

  // The node standing for a host: itself, or the outermost folded group
  // holding it.
  const rep = ip => {
    let r = ip;
    for (let id = where.get(ip); id; id = groups.get(id).parent) {
      const g = groups.get(id);
      if (folded.has(id)) r = g.kind === 'cell' ? g.label : id;
    }
    return r;
  };

  // ---- Filters (level, protocol, role, alert state) and search.
  const protocols = [...new Set(D.edges.map(e => e.protocol))].sort();
  const roles = [...new Set(D.devices.flatMap(d => d.roles))].sort();
  const fill = (sel, items) => items.forEach(([v, t]) => sel.append(el('option', {value: v}, t)));
  fill($('f-protocol'), [['', 'any protocol'], ...protocols.map(p => [p, p])]);
  fill($('f-role'), [['', 'any role'], ...roles.map(r => [r, roleWords(r)]), ['-', 'no OT role (IT host)']]);
  fill($('f-alert'), [['', 'any alert state'], ['named', 'named in an alert'], ['new', 'not in the baseline'], ['writes', 'writes']]);
  const refilter = () => { applyFilters(); cy.fit(cy.nodes(':visible'), 16); showEdgeLabels(); };
  const levelBoxes = $('f-levels');
  levelIds.forEach(id => { const box = el('input', {type: 'checkbox', checked: true, value: id}); const l = el('label'); l.append(box, ' ' + groups.get(id).label.split(' \u2013')[0].replace(' (no Purdue level)', '')); levelBoxes.append(l); box.onchange = refilter; });
  ['f-protocol', 'f-role', 'f-alert'].forEach(id => { $(id).value = hash.get(id.slice(2)) || ''; $(id).onchange = refilter; });
  if (hash.get('level')) levelBoxes.querySelectorAll('input').forEach(b => b.checked = b.value === 'L' + hash.get('level'));
  const filters = () => ({
    levels: new Set([...levelBoxes.querySelectorAll('input')].filter(b => b.checked).map(b => b.value)),
    protocol: $('f-protocol').value, role: $('f-role').value, alert: $('f-alert').value
  });
  const edgeMatches = (e, f) => (!f.protocol || e.protocol === f.protocol) && (f.alert !== 'new' || newEdge(e)) && (f.alert !== 'writes' || e.writes > 0);
  const hostMatches = (d, f) => {
    let id = where.get(d.ip); while (groups.get(id).parent) id = groups.get(id).parent;
    if (!f.levels.has(id)) return false;
    if (f.role === '-' ? !isIT(d) : f.role && !d.roles.includes(f.role)) return false;
    if (f.alert === 'named' && !d.alerts) return false;
    if (f.alert === 'new' && !newDevice(d) && !(peersOf.get(d.ip) || []).some(newEdge)) return false;
    if ((f.protocol || f.alert === 'writes') && !(peersOf.get(d.ip) || []).some(e => edgeMatches(e, f))) return false;
    return true;
  };

  // ---- Layout: every leaf takes a cell; groups pack their children in
  // rows; level bands stack. Cells are wider than any label, so labels
  // never overlap, at any zoom.
  const cut = (s, n) => s.length > n ? s.slice(0, n - 1) + '\u2026' : s;
  function leafLabel(ip) {
    const d = hosts.get(ip);
    const lines = [ip + (newDevice(d) ? '  \u2605new' : '')];
    lines.push(cut(d.roles.map(roleWords).join(', ') || (d.peerOnly ? 'peer only' : 'no OT role'), 30));
    const id = d.identity || d.vendor;
    if (adapters.has(ip) && folded.has('C' + ip)) {
      const list = adapters.get(ip), alerted = list.filter(a => hosts.get(a).alerts).length;
      lines.push('\u25B8 ' + list.length + ' I/O adapters' + (alerted ? ' \u00b7 \u26A0 ' + alerted : '') + (id && !alerted ? ' \u00b7 ' + cut(id, 14) : ''));
    }
    else if (id) lines.push(cut(id, 30));
    return lines.join('\n');
  }
  // Widest character of a group's label font (bold 12 px; 14 px for levels).
  const charW = g => g.kind === 'level' ? 8.5 : 7.2;
  function groupBadge(g) {
    const alerted = g.members.filter(ip => hosts.get(ip).alerts);
    return alerted.length ? ' \u00b7 \u26A0 ' + alerted.length + ' alerted' : '';
  }
  function groupLabel(g, width) {
    const n = g.members.length;
    const what = g.kind === 'cell' ? 'controller ' + g.label + ' and ' + adapters.get(g.label).length + ' I/O adapters'
      : g.kind === 'subnet' ? g.label + ' \u00b7 ' + howMany(g)
      : g.label + ' \u00b7 ' + n + ' device' + (n === 1 ? '' : 's');
    return cut(what + groupBadge(g), Math.max(12, Math.floor(width / charW(g))));
  }
  function worst(ips) {
    let r = 99; ips.forEach(ip => { const d = hosts.get(ip); if (d.alerts) r = Math.min(r, sevRank(d.severity)); });
    return r === 99 ? null : (SEV[r] || 'other');
  }
  // Children of a group as items: leaf ips, folded groups, open groups.
  function items(g) {
    const out = [];
    g.children.forEach(id => out.push(folded.has(id) ? {leaf: groups.get(id).kind === 'cell' ? groups.get(id).label : id} : {group: id}));
    g.members.filter(ip => where.get(ip) === g.id).forEach(ip => out.push({leaf: ip}));
    return out;
  }
  function measure(item, maxW) {
    if (item.leaf) { item.w = CELL_W; item.h = CELL_H; return item; }
    const g = groups.get(item.group);
    const kids = items(g).map(k => measure(k, maxW - 2 * PAD));
    const leaves = kids.filter(k => k.leaf).length;
    const area = kids.reduce((a, k) => a + (k.w + GAP) * (k.h + GAP), 0);
    let width = Math.max(...kids.map(k => k.w), g.kind === 'level' ? maxW - 2 * PAD : Math.min(maxW - 2 * PAD, leaves === kids.length ? Math.ceil(Math.sqrt(kids.length * ASPECT * (CELL_H + GAP) / (CELL_W + GAP))) * (CELL_W + GAP) : Math.sqrt(area) * 1.6));
    let x = 0, y = 0, rowH = 0, w = 0;
    kids.forEach(k => { if (x > 0 && x + k.w > width) { x = 0; y += rowH + GAP; rowH = 0; } k.dx = x; k.dy = y; x += k.w + GAP; rowH = Math.max(rowH, k.h); w = Math.max(w, x - GAP); });
    // A group is at least as wide as its whole label.
    item.kids = kids; item.w = Math.max(w + 2 * PAD, groupLabel(g, Infinity).length * charW(g) + 2 * PAD); item.h = y + rowH + 2 * PAD + LABEL_H;
    return item;
  }
  function place(item, x, y, parent, nodes) {
    if (item.leaf) {
      const id = item.leaf, g = groups.get(id);
      if (g) {
        const sevr = worst(g.members);
        const fresh = g.members.filter(ip => newDevice(hosts.get(ip))).length;
        const label = [cut(g.label, 30), howMany(g) + groupBadge(g), (fresh ? '\u2605 ' + fresh + ' new \u00b7 ' : '') + 'click to open'].join('\n');
        nodes.push({group: 'nodes', data: {id, parent, label, color: '#d9d9d9', sev: sevr ? SEV_COLOR[sevr] : null},
          position: {x: x + CELL_W / 2, y: y + 14}, classes: 'folded' + (sevr ? ' alerted' : '') + (fresh ? ' has-new' : '')});
      } else {
        const d = hosts.get(id);
        // The ring is the device's own alerts only (its folded adapters'
        // show as a count in its label).
        const s = d.alerts ? d.severity : null;
        const color = adapters.has(id) ? '#d46b08' : d.owner ? '#7cb305' : roleColor(d.roles);
        nodes.push({group: 'nodes', data: {id, parent, label: leafLabel(id), color, sev: s ? SEV_COLOR[s] || SEV_COLOR.other : null},
          position: {x: x + CELL_W / 2, y: y + 14}, classes: 'device' + (s ? ' alerted' : '') + (newDevice(d) ? ' new' : '') + (d.peerOnly ? ' peer' : '')});
      }
      return;
    }
    const g = groups.get(item.group);
    // Cytoscape sizes a frame from its children: two invisible corners pin
    // it to the measured box (title width included), whatever the labels'
    // real widths.
    nodes.push({group: 'nodes', data: {id: g.id, parent, label: groupLabel(g, item.w), kind: g.kind}, classes: 'group ' + g.kind});
    const corner = (id, px, py) => ({group: 'nodes', data: {id: g.id + id, parent: g.id, label: '', color: '#ffffff'}, position: {x: px, y: py}, classes: 'corner'});
    nodes.push(corner('#tl', x + PAD, y + LABEL_H + PAD), corner('#br', x + item.w - PAD, y + item.h - PAD));
    item.kids.forEach(k => place(k, x + PAD + k.dx, y + LABEL_H + PAD + k.dy, g.id, nodes));
  }

  // ---- Edges between the nodes drawn: one per pair of nodes, holding the
  // edges it stands for.
  function edgeElements() {
    const agg = new Map();
    D.edges.forEach((e, i) => {
      const a = rep(e.client), b = rep(e.server);
      if (a === b) return;
      const k = a + '>' + b;
      let x = agg.get(k);
      if (!x) { x = {a, b, list: []}; agg.set(k, x); }
      x.list.push(i);
    });
    return [...agg.values()].map((x, i) => {
      const list = x.list.map(j => D.edges[j]);
      const protos = [...new Set(list.map(e => e.protocol + '/' + e.port))];
      const writes = list.some(e => e.writes > 0), fresh = list.some(newEdge);
      let label;
      if (list.length === 1) {
        const f = Object.keys(list[0].functions);
        label = protos[0] + (f.length ? '\n' + f.slice(0, 2).join('\n') + (f.length > 2 ? '\n+' + (f.length - 2) + ' more' : '') : '');
      } else {
        label = list.length + ' edges \u00b7 ' + protos.slice(0, 2).join(', ') + (protos.length > 2 ? ' +' + (protos.length - 2) : '');
      }
      return {group: 'edges', data: {id: 'e' + i, source: x.a, target: x.b, label, edges: x.list},
        classes: (writes ? 'writes' : '') + (fresh ? ' new' : '')};
    });
  }

  const cy = cytoscape({
    container: $('map'),
    minZoom: 0.05, maxZoom: 4,
    style: [
      {selector: 'node', style: {'label': 'data(label)', 'text-wrap': 'wrap', 'font-size': 10, 'text-valign': 'bottom', 'text-halign': 'center', 'text-margin-y': 3,
        'background-color': 'data(color)', 'width': 22, 'height': 22, 'line-height': 1.2, 'min-zoomed-font-size': 0}},
      {selector: 'node.alerted', style: {'border-width': 4, 'border-color': 'data(sev)'}},
      {selector: 'node.new', style: {'shape': 'star', 'width': 28, 'height': 28}},
      {selector: 'node.peer', style: {'background-opacity': 0.45}},
      {selector: 'node.folded', style: {'shape': 'round-rectangle', 'width': 46, 'height': 22, 'border-width': 1, 'border-color': '#8c8c8c', 'font-weight': 'bold'}},
      {selector: 'node.folded.alerted', style: {'border-width': 4, 'border-color': 'data(sev)'}},
      {selector: 'node.folded.has-new', style: {'background-color': '#ffe7ba'}},
      {selector: 'node.group', style: {'background-color': '#f5f8ff', 'background-opacity': 1, 'border-color': '#adc6ff', 'border-width': 1, 'shape': 'round-rectangle',
        'padding': PAD, 'label': 'data(label)', 'text-valign': 'top', 'text-halign': 'center', 'text-margin-y': -4, 'font-size': 12, 'font-weight': 'bold', 'color': '#1d39c4',
        'compound-sizing-wrt-labels': 'include'}},
      {selector: 'node.group.level', style: {'background-color': '#f0f2f5', 'border-color': '#8c8c8c', 'font-size': 14, 'color': '#1d2330'}},
      {selector: 'node.group.cell', style: {'background-color': '#fff7e6', 'border-color': '#ffc069', 'color': '#ad4e00', 'font-size': 11}},
      {selector: 'edge', style: {'curve-style': 'straight', 'target-arrow-shape': 'triangle', 'arrow-scale': 0.8, 'width': 1.2, 'line-color': '#a6a6a6',
        'target-arrow-color': '#a6a6a6', 'opacity': 0.7, 'label': 'data(label)', 'text-wrap': 'wrap', 'font-size': 9, 'color': '#262626',
        'text-opacity': 0, 'text-background-color': '#fff', 'text-background-opacity': 0, 'text-background-padding': 2}},
      {selector: 'edge.writes', style: {'line-style': 'dashed'}},
      {selector: 'edge.new', style: {'line-color': '#fa8c16', 'target-arrow-color': '#fa8c16', 'width': 2.5, 'opacity': 1, 'mid-target-arrow-shape': 'diamond', 'mid-target-arrow-color': '#fa8c16'}},
      {selector: 'edge.show', style: {'text-opacity': 1, 'text-background-opacity': 0.9, 'opacity': 1, 'z-index': 10}},
      {selector: 'node.corner', style: {'width': 1, 'height': 1, 'opacity': 0, 'label': '', 'events': 'no'}},
      {selector: '.hidden', style: {'display': 'none'}},
      {selector: 'node.match', style: {'overlay-color': '#fadb14', 'overlay-opacity': 0.45, 'overlay-padding': 6}},
      {selector: ':selected', style: {'overlay-color': '#1677ff', 'overlay-opacity': 0.25}}
    ],
    layout: {name: 'preset'}
  });

  // Lays the drawn tree out at the band width whose fit is the largest
  // zoom in the map's frame.
  function arrange() {
    const roots = levelIds.map(id => folded.has(id) ? {leaf: id} : {group: id});
    const size = maxW => {
      let w = 0, h = 0;
      roots.forEach(r => { measure(r, maxW); w = Math.max(w, r.w); h += r.h + 2 * GAP; });
      return Math.min(MAP_W / w, MAP_H / h);
    };
    const base = Math.sqrt(visibleCount() * (CELL_W + GAP) * (CELL_H + GAP) * 1.5 * ASPECT);
    let best = base, zoom = 0;
    [0.5, 0.65, 0.8, 1, 1.25, 1.6, 2, 2.5].forEach(k => { const z = size(Math.max(CELL_W * 2, base * k)); if (z > zoom) { zoom = z; best = Math.max(CELL_W * 2, base * k); } });
    size(best);
    return {roots, zoom};
  }
  // The first view: while the whole map would draw labels under 7 px,
  // fold the largest open subnet.
  const MIN_ZOOM = 0.7;
  if (hash.get('expand') !== 'all') {
    const open = largest('subnet').concat(largest('level'));
    while (open.length && arrange().zoom < MIN_ZOOM) folded.add(open.shift().id);
  }
  function render(fit) {
    const {roots} = arrange();
    const nodes = [];
    let y = 0;
    roots.forEach(r => { place(r, 0, y, undefined, nodes); y += r.h + 2 * GAP; });
    cy.batch(() => { cy.elements().remove(); cy.add(nodes); cy.add(edgeElements()); });
    applyFilters();
    if (fit) { cy.fit(cy.nodes(':visible'), 16); if (cy.zoom() > 1.25) { cy.zoom(1.25); cy.center(cy.nodes(':visible')); } }
    showEdgeLabels();
    matches.forEach(ip => cy.getElementById(ip).addClass('match'));
    // The print view's picture of the map, drawn when the browser is idle.
    clearTimeout(pictureTimer);
    pictureTimer = setTimeout(printMap, 500);
  }
  let pictureTimer = null;
  let matches = [];

  function applyFilters() {
    const f = filters();
    cy.batch(() => {
      cy.nodes().not('.corner').forEach(n => {
        const g = groups.get(n.id());
        const members = g ? g.members : (adapters.has(n.id()) && folded.has('C' + n.id()) ? groups.get('C' + n.id()).members : [n.id()]);
        n.toggleClass('hidden', !members.some(ip => hostMatches(hosts.get(ip), f)));
      });
      cy.edges().forEach(e => e.toggleClass('hidden', !e.data('edges').some(i => edgeMatches(D.edges[i], f))));
    });
    document.body.dataset.visibleNodes = cy.nodes('.device, .folded').not('.hidden').length;
    document.body.dataset.visibleEdges = cy.edges().not('.hidden').filter(e => !e.source().hasClass('hidden') && !e.target().hasClass('hidden')).length;
  }

  // Edge labels: on hover, and everywhere once zoomed in enough to read them.
  const LABEL_ZOOM = 1.4;
  function showEdgeLabels() { cy.batch(() => cy.edges().toggleClass('show', cy.zoom() >= LABEL_ZOOM)); }
  let zoomTimer = null;
  cy.on('zoom', () => { clearTimeout(zoomTimer); zoomTimer = setTimeout(showEdgeLabels, 120); });
  cy.on('mouseover', 'edge', e => e.target.addClass('show'));
  cy.on('mouseout', 'edge', e => { if (cy.zoom() < LABEL_ZOOM) e.target.removeClass('show'); });
  cy.on('mouseover', 'node', e => e.target.connectedEdges().addClass('show'));
  cy.on('mouseout', 'node', e => { if (cy.zoom() < LABEL_ZOOM) e.target.connectedEdges().removeClass('show'); });

  // Click: a folded group opens; an open group's frame folds it; a device
  // opens its panel (and a controller its folded I/O adapters).
  const zoomTo = id => cy.animate({fit: {eles: cy.getElementById(id).union(cy.getElementById(id).descendants()), padding: 30}}, {duration: 250});
  cy.on('tap', 'node', e => {
    const n = e.target, id = n.id();
    if (n.hasClass('folded')) { folded.delete(id); render(false); zoomTo(id); return; }
    if (n.hasClass('group')) { folded.add(id); render(false); return; }
    if (folded.has('C' + id)) { folded.delete('C' + id); render(false); zoomTo('C' + id); }
    openPanel(id);
  });

  // Reveals a host (unfolding what holds it), selects it, centres the map.
  function reveal(ip) {
    for (let id = where.get(ip); id; id = groups.get(id).parent) if (!(groups.get(id).kind === 'cell' && ip === groups.get(id).label)) folded.delete(id);
    render(false);
    const n = cy.getElementById(rep(ip));
    cy.elements().unselect(); n.select();
    cy.zoom(1.2); cy.center(n);
    $('map').scrollIntoView({block: 'center'});
  }
  const search = $('search');
  let hits = [], hit = 0;
  search.onkeydown = e => {
    if (e.key !== 'Enter') return;
    const q = search.value.trim().toLowerCase();
    if (!q) return;
    if (!hits.length || hits.q !== q) {
      hits = [...hosts.values()].filter(d => d.ip === q).concat([...hosts.values()].filter(d => d.ip !== q && [d.ip, d.identity, d.vendor, ...d.roles, ...d.macs].some(x => (x || '').toLowerCase().includes(q))));
      hits.q = q; hit = 0;
    }
    $('search-count').textContent = hits.length ? (hit + 1) + ' of ' + hits.length : 'no device matches';
    if (!hits.length) return;
    const d = hits[hit]; hit = (hit + 1) % hits.length;
    matches = hits.map(h => h.ip);
    reveal(d.ip); openPanel(d.ip);
  };
  $('expand-all').onclick = () => { folded.clear(); render(true); };
  $('fold').onclick = () => { location.hash = ''; location.reload(); };

  // ---- Device panel.
  function openPanel(ip) {
    const d = hosts.get(ip);
    if (!d) return;
    const p = $('panel');
    const body = [];
    const close = el('button', {className: 'close'}, '\u2715'); close.onclick = () => p.classList.remove('open');
    body.push(close, el('h3', {}, ip));
    const show = el('a', {}, 'Show on the map'); show.onclick = () => reveal(ip);
    body.push(show);
    const dl = el('dl');
    const row = (k, v) => { if (v === undefined || v === null || v === '') return; dl.append(el('dt', {}, k), el('dd', {}, String(v))); };
    row('MAC', d.macs.join(', ')); row('Vendor', d.vendor); row('Identity', d.identity); row('Firmware', d.firmware);
    row('Purdue level', (d.purdue ? 'Level ' + d.purdue : 'unclassified') + (d.purdue_reason ? ': ' + d.purdue_reason : ''));
    row('In the baseline', d.known === null || d.known === undefined ? '' : d.known ? 'yes' : 'no (new device)');
    row('First seen', fmt(d.first_seen)); row('Last seen', fmt(d.last_seen)); row('Packets', d.packets ? d.packets.toLocaleString('en') : '');
    if (d.owner) row('I/O of', d.owner);
    body.push(el('h4', {}, 'Identity'), dl);
    if (adapters.has(ip)) {
      const cell = 'C' + ip, n = adapters.get(ip).length;
      const t = el('a', {}, (folded.has(cell) ? 'Show its ' : 'Fold its ') + n + ' I/O adapters on the map');
      t.onclick = () => { if (folded.has(cell)) folded.delete(cell); else folded.add(cell); reveal(ip); openPanel(ip); };
      body.push(el('br'), t);
    }
    body.push(el('h4', {}, 'Roles'));
    const roles = el('ul');
    d.roles.forEach(r => { const li = el('li'); li.append(el('b', {}, roleWords(r))); const ev = d.role_evidence[r]; if (ev) li.append(': ' + ev); roles.append(li); });
    if (!d.roles.length) roles.append(el('li', {className: 'muted'}, 'none recognised (no OT protocol served or used)'));
    body.push(roles);
    const pd = el('dl'); pd.append(el('dt', {}, 'Serves'), el('dd', {}, d.served || '-'), el('dt', {}, 'Uses'), el('dd', {}, d.used || '-'));
    body.push(el('h4', {}, 'Protocols'), pd);
    const mine = D.alerts.filter(g => g.src === ip || g.targets.some(t => t[0] === ip));
    // Alerts by this device (all of the group's) or against it (its share).
    const share = g => g.src === ip ? g.count : g.targets.find(t => t[0] === ip)[1];
    body.push(el('h4', {}, 'Alerts (' + mine.reduce((a, g) => a + share(g), 0) + ')'));
    if (mine.length) {
      const ul = el('ul');
      mine.forEach(g => { const li = el('li'); li.append(sevBadge(g.severity), ' ', g.title + ' \u00d7' + share(g) + (g.src === ip ? ' (by this device)' : ' (against this device)')); ul.append(li); });
      body.push(ul);
    } else body.push(el('p', {className: 'muted'}, 'none'));
    const peers = (peersOf.get(ip) || []).slice().sort((a, b) => b.connections - a.connections);
    body.push(el('h4', {}, 'Peers (' + new Set(peers.map(e => e.client === ip ? e.server : e.client)).size + ')'));
    const t = el('table'); const head = el('tr'); ['Peer', 'Direction', 'Protocol', 'Conns', 'Functions'].forEach(h => head.append(el('th', {}, h))); t.append(head);
    peers.slice(0, 300).forEach(e => {
      const out = e.client === ip, peer = out ? e.server : e.client;
      const tr = el('tr', {className: newEdge(e) ? 'hot' : ''});
      const a = el('td'); a.append(ipLink(peer));
      tr.append(a, el('td', {}, out ? '\u2192 uses' : '\u2190 serves'), el('td', {}, e.protocol + '/' + e.port + (newEdge(e) ? ' (new)' : '')), el('td', {}, String(e.connections)),
        el('td', {}, Object.entries(e.functions).map(([f, [n, w]]) => f + (w ? ' (write)' : '') + ' \u00d7' + n).join(', ') || '-'));
      t.append(tr);
    });
    body.push(t);
    if (peers.length > 300) body.push(el('p', {className: 'muted'}, (peers.length - 300) + ' more edges in the activity table'));
    p.replaceChildren(...body);
    p.classList.add('open');
    p.dataset.ip = ip;
    p.dataset.peers = peers.length;
    p.scrollTop = 0;
  }

  // ---- Tables: devices, activity, capture quality.
  const devices = table('devices', [
    ['IP', d => d.ip, (td, d) => td.append(ipLink(d.ip))], ['Roles', d => d.roles.map(roleWords).join(', ')],
    ['Purdue', d => d.purdue || 0, (td, d) => { td.textContent = d.purdue ? 'L' + d.purdue : '-'; td.title = d.purdue_reason; }],
    ['Alerts', d => d.alerts ? sevRank(d.severity) - d.alerts / 1e9 : 99, (td, d) => { if (d.alerts) td.append(sevBadge(d.severity), ' ' + d.alerts); }],
    ['MAC vendor', d => d.vendor], ['Identity', d => d.identity], ['Firmware', d => d.firmware], ['Serves', d => d.served], ['Uses', d => d.used],
    ['Packets', d => d.packets], ['Last seen', d => d.last_seen, (td, d) => td.textContent = fmt(d.last_seen)]
  ], D.devices, d => d.alerts ? 'hot' : '');
  $('device-filter').oninput = e => { const q = e.target.value.toLowerCase(); devices.filter(d => [d.ip, d.roles.join(' '), d.vendor, d.identity, d.firmware, d.served, d.used].some(x => x.toLowerCase().includes(q))); };
  table('activity', [
    ['Client', e => e.client, (td, e) => td.append(ipLink(e.client))], ['Server', e => e.server, (td, e) => td.append(ipLink(e.server))], ['Protocol', e => e.protocol + '/' + e.port],
    ['Connections', e => e.connections], ['Reads', e => e.reads], ['Writes', e => e.writes],
    ['Functions', e => Object.entries(e.functions).map(([f, [n]]) => f + ' \u00d7' + n).join(', ')]
  ], D.edges.filter(e => Object.keys(e.functions).length || e.protocol !== 'tcp'), e => newEdge(e) ? 'hot' : '');

  const problems = Object.entries(D.quality).filter(([k, v]) => k !== 'pkts_proc' && v !== null && Number(v) !== 0);
  const weirds = Object.entries(D.weirds);
  const q = $('quality');
  if (!problems.length && !weirds.length) {
    q.replaceChildren(el('p', {}, 'No capture problems: ' + (Number(D.quality.pkts_proc) || 0).toLocaleString('en') +
      ' packets processed, none malformed or truncated, no gaps in TCP streams, no flows evicted, no weirds.'));
  } else {
    const t = el('table');
    problems.forEach(([k, v]) => { const tr = el('tr'); tr.append(el('td', {}, k.replace(/_/g, ' ')), el('td', {}, String(v))); t.append(tr); });
    weirds.forEach(([k, v]) => { const tr = el('tr'); tr.append(el('td', {}, 'weird: ' + k), el('td', {}, String(v))); t.append(tr); });
    q.replaceChildren(el('p', {className: 'muted'}, 'Counters that are not zero (of ' + (Number(D.quality.pkts_proc) || 0).toLocaleString('en') + ' packets processed):'), t);
  }

  // ---- Print: the map as a picture of the whole graph.
  const printMap = () => { $('map-print').src = cy.png({full: true, maxWidth: 2400, bg: '#ffffff'}); };
  window.addEventListener('beforeprint', printMap);
  if (window.matchMedia) window.matchMedia('print').addEventListener('change', m => { if (m.matches) printMap(); });

  // ---- First draw, and what the page measured of itself.
  render(true);
  if (hash.get('search')) { search.value = hash.get('search'); search.onkeydown({key: 'Enter'}); }
  if (hash.get('device')) openPanel(hash.get('device'));
  if (hash.get('print') !== null) printMap();
  window.otwatchMap = cy;
  const B = document.body.dataset;
  B.interactiveMs = Math.round(performance.now());
  // Drawn: Cytoscape paints on the next animation frame.
  requestAnimationFrame(() => requestAnimationFrame(() => { B.drawnMs = Math.round(performance.now()); }));
  // Label boxes of everything drawn (model coordinates: what meets at one
  // zoom meets at all): no two may meet.
  const boxes = cy.nodes().not('.hidden').map(n => n.boundingBox({includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false}))
    .filter(b => b.w > 0 && b.h > 0).sort((a, b) => a.x1 - b.x1);
  let overlaps = 0;
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length && boxes[j].x1 < boxes[i].x2 - 0.5; j++)
    if (boxes[j].y1 < boxes[i].y2 - 0.5 && boxes[i].y1 < boxes[j].y2 - 0.5) overlaps++;
  B.labels = boxes.length;
  B.overlaps = overlaps;
  B.labelPx = (10 * cy.zoom()).toFixed(1);
  B.hosts = hosts.size;
  B.edges = D.edges.length;
  B.devices = document.querySelectorAll('#devices tbody tr').length;
  B.alertGroups = document.querySelectorAll('#alerts tbody tr').length;
  B.alerts = D.alerts_total;
  const first = document.querySelector('#alert-list');
  B.alertsTop = Math.round(first.getBoundingClientRect().top);
  B.viewportHeight = window.innerHeight;
  if (hash.get('selftest') !== null) B.selftest = selftest().join(',');
  B.rendered = 'ok';

  // Drives the page through its own event handlers, as a user would, and
  // names each step that did what it should.
  function selftest() {
    const passed = [];
    const edge = cy.edges().not('.hidden')[0];
    if (edge) { edge.emit('mouseover'); if (edge.hasClass('show')) passed.push('hover'); edge.emit('mouseout'); }
    const fold = cy.nodes('.folded')[0];
    if (fold) {
      const id = fold.id();
      fold.emit('tap');
      if (cy.getElementById(id).hasClass('group')) passed.push('open');
      cy.getElementById(id).emit('tap');
      if (cy.getElementById(id).hasClass('folded')) passed.push('fold');
    }
    const device = cy.nodes('.device').not('.hidden')[0];
    if (device) { device.emit('tap'); if ($('panel').dataset.ip === device.id() && $('panel').classList.contains('open')) passed.push('panel'); }
    const before = +B.visibleNodes;
    const alert = $('f-alert');
    alert.value = 'named'; alert.dispatchEvent(new Event('change'));
    const named = +B.visibleNodes;
    alert.value = ''; alert.dispatchEvent(new Event('change'));
    if (named > 0 && named <= before && +B.visibleNodes === before) passed.push('filter');
    const target = D.devices[D.devices.length - 1];
    if (target) {
      search.value = target.ip;
      search.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'}));
      if ($('panel').dataset.ip === target.ip && cy.getElementById(target.ip).hasClass('match')) passed.push('search');
    }
    return passed;
  }
})();
