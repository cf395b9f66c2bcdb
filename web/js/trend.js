// A patient's trend: PHQ-9 and GAD-7 totals as an inline SVG (built with DOM APIs, no
// innerHTML), annotated with medication events and visits, plus the same as a text timeline.
import { api } from './api.js';
import { startPage } from './session.js';
import { showError, formatDateTime, h } from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';
const W = 360;
const H = 220;
const PAD = { l: 28, r: 8, t: 10, b: 24 };
const SERIES = [
  { id: 'phq-9', label: 'PHQ-9', max: 27, cls: 'line-phq' },
  { id: 'gad-7', label: 'GAD-7', max: 21, cls: 'line-gad' },
];

function s(tag, attrs, text) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}

function draw(data) {
  const t0 = Date.parse(data.from);
  const t1 = Date.parse(data.to);
  const x = (iso) => PAD.l + ((Date.parse(iso) - t0) / Math.max(1, t1 - t0)) * (W - PAD.l - PAD.r);
  const y = (v) => PAD.t + (1 - v / 27) * (H - PAD.t - PAD.b);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'chart-title', class: 'trend-svg' });
  svg.append(s('title', { id: 'chart-title' }, 'Symptom scores over time'));
  for (const v of [0, 5, 10, 15, 20, 27]) {
    svg.append(s('line', { x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v), class: 'grid' }));
    svg.append(s('text', { x: 2, y: y(v) + 4, class: 'axis' }, String(v)));
  }
  for (const m of data.medications) {
    if (Date.parse(m.at) < t0) continue;
    svg.append(s('line', { x1: x(m.at), x2: x(m.at), y1: PAD.t, y2: H - PAD.b, class: 'med-line' }));
    svg.append(s('text', { x: x(m.at) + 2, y: PAD.t + 10, class: 'axis' }, `${m.drug} ${m.dose || m.kind}`));
  }
  for (const v of data.visits) {
    svg.append(s('line', { x1: x(v.start), x2: x(v.start), y1: PAD.t, y2: H - PAD.b, class: 'visit-line' }));
  }
  for (const ser of SERIES) {
    const pts = data.series[ser.id] || [];
    if (!pts.length) continue;
    svg.append(s('polyline', { points: pts.map((p) => `${x(p.at).toFixed(1)},${y(p.total).toFixed(1)}`).join(' '), class: ser.cls }));
    for (const p of pts) svg.append(s('circle', { cx: x(p.at), cy: y(p.total), r: 3, class: ser.cls }));
    const last = pts[pts.length - 1];
    svg.append(s('text', { x: Math.min(x(last.at) + 4, W - 40), y: y(last.total) - 4, class: `axis ${ser.cls}` }, ser.label));
  }
  svg.append(s('text', { x: PAD.l, y: H - 6, class: 'axis' }, new Date(t0).toLocaleDateString()));
  svg.append(s('text', { x: W - PAD.r - 70, y: H - 6, class: 'axis' }, new Date(t1).toLocaleDateString()));
  const chart = document.getElementById('chart');
  chart.replaceChildren(svg);
  chart.setAttribute('aria-busy', 'false');
}

function timeline(data) {
  const items = [];
  for (const ser of SERIES) {
    for (const p of data.series[ser.id] || []) items.push({ at: p.at, text: `${ser.label} ${p.total} (${p.band})` });
  }
  for (const m of data.medications) {
    items.push({ at: m.at, text: `Medication ${m.kind}: ${m.drug}${m.dose ? ' ' + m.dose : ''}${m.reason ? ' — ' + m.reason : ''}` });
  }
  for (const v of data.visits) items.push({ at: v.start, text: `Visit (${v.type}, ${v.status})` });
  items.sort((a, b) => b.at.localeCompare(a.at));
  document.getElementById('events').replaceChildren(...items.map((i) => h('li', {},
    h('time', { datetime: i.at, text: formatDateTime(i.at) }), ' ', i.text)));
}

async function main() {
  const user = await startPage();
  const id = new URLSearchParams(window.location.search).get('patient') || (user.role === 'patient' ? user.id : null);
  if (!id) {
    showError(document.getElementById('page-error'), 'Choose a patient from the monitoring panel.');
    return;
  }
  try {
    const [data, patient] = await Promise.all([
      api('GET', `/api/v1/patients/${encodeURIComponent(id)}/checkins/trend`),
      api('GET', `/api/v1/patients/${encodeURIComponent(id)}`),
    ]);
    document.getElementById('trend-heading').textContent = `Symptom trend: ${patient.patient ? patient.patient.name : patient.name}`;
    draw(data);
    timeline(data);
  } catch (e) {
    showError(document.getElementById('page-error'), e);
  }
}

main();
