// Patient check-ins: what is due, then one question per screen. Answers are kept in
// localStorage under a client id until the server has them, so a closed tab or a lost
// connection resumes where it stopped and a retried submit is never stored twice.
import { api } from './api.js';
import { startPage } from './session.js';
import { h, showError, clearError } from './ui.js';

const $ = (id) => document.getElementById(id);
let user;
let lang = 'en';
let instruments = new Map();
let current = null; // { instrument, draft }

function draftKey(instrumentId) {
  return `tandem.checkin.${user.id}.${instrumentId}`;
}

function loadDraft(instrumentId) {
  try {
    const d = JSON.parse(window.localStorage.getItem(draftKey(instrumentId)) || 'null');
    return d && typeof d.clientId === 'string' ? d : null;
  } catch {
    return null;
  }
}

function saveDraft() {
  window.localStorage.setItem(draftKey(current.instrument.id), JSON.stringify(current.draft));
}

function newClientId() {
  const bytes = new Uint8Array(12);
  window.crypto.getRandomValues(bytes);
  return 'w' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function text(obj) {
  return (obj && (obj[lang] || obj.en)) || '';
}

function show(section) {
  for (const id of ['due-section', 'form-section', 'done-section']) $(id).hidden = id !== section;
}

async function loadDue() {
  const [ins, due] = await Promise.all([
    api('GET', '/api/v1/checkins/instruments'),
    api('GET', `/api/v1/patients/${encodeURIComponent(user.id)}/checkins/due`),
  ]);
  instruments = new Map(ins.instruments.map((i) => [i.id, i]));
  const list = $('due-list');
  list.replaceChildren();
  const assigned = new Set();
  for (const d of due.due) {
    assigned.add(d.instrument);
    const status = d.overdue ? 'Overdue' : d.isDue ? 'Due now' : `Next on ${new Date(d.dueAt).toLocaleDateString()}`;
    const resumable = loadDraft(d.instrument) ? ' (continue where you stopped)' : '';
    list.append(h('li', { dataset: { instrument: d.instrument } },
      h('span', { class: 'checkin-title', text: text(d.title) }),
      h('span', { class: d.overdue ? 'badge badge-warn' : 'badge', text: status }),
      h('button', { type: 'button', class: d.isDue ? 'primary' : '', onclick: () => begin(d.instrument), text: `Start${resumable}` })));
  }
  if (!due.due.length) list.append(h('li', { class: 'muted', text: 'Nothing assigned right now.' }));
  list.setAttribute('aria-busy', 'false');
  const other = $('other-list');
  other.replaceChildren();
  for (const i of instruments.values()) {
    if (assigned.has(i.id)) continue;
    other.append(h('li', {}, h('span', { class: 'checkin-title', text: text(i.title) }),
      h('button', { type: 'button', onclick: () => begin(i.id), text: 'Start' })));
  }
}

function begin(instrumentId) {
  const instrument = instruments.get(instrumentId);
  const draft = loadDraft(instrumentId) || { clientId: newClientId(), answers: {}, step: 0 };
  current = { instrument, draft };
  saveDraft();
  $('form-heading').textContent = text(instrument.title);
  $('form-preamble').textContent = text(instrument.preamble);
  show('form-section');
  renderStep();
}

function renderStep() {
  const { instrument, draft } = current;
  const item = instrument.items[draft.step];
  const fs = $('question');
  fs.replaceChildren();
  clearError($('form-error'));
  $('form-progress').textContent = `Question ${draft.step + 1} of ${instrument.items.length}`;
  const legendId = `q-${item.id}`;
  fs.append(h('legend', { id: legendId, text: text(item.text) + (item.required ? '' : ' (optional)') }));
  const value = draft.answers[item.id];
  if (item.type === 'choice' || item.type === 'select') {
    item.options.forEach((o, i) => {
      const id = `${item.id}-o${i}`;
      fs.append(h('div', { class: 'choice' },
        h('input', { type: 'radio', name: item.id, id, value: String(o.value), checked: value === o.value ? true : null,
          dataset: { value: JSON.stringify(o.value) } }),
        h('label', { for: id, text: text(o.label) })));
    });
  } else if (item.type === 'scale' || item.type === 'number') {
    const id = `${item.id}-input`;
    fs.append(h('label', { for: id, class: 'visually-hidden', text: text(item.text) }),
      h('input', { type: 'number', id, inputmode: item.type === 'scale' ? 'numeric' : 'decimal', min: item.min, max: item.max,
        step: item.type === 'scale' ? 1 : 0.5, value: value ?? '' }),
      h('p', { class: 'hint', text: `${item.min} – ${item.max}` }));
  } else if (item.type === 'side-effects') {
    const chosen = new Map((value || []).map((e) => [e.effect, e.severity]));
    item.options.forEach((o, i) => {
      const id = `${item.id}-e${i}`;
      const sel = h('select', { id: `${id}-sev`, 'aria-label': `${text(o.label)}: how bad`, dataset: { effect: o.value } },
        ...item.severities.map((s) => h('option', { value: s.value, selected: chosen.get(o.value) === s.value ? true : null, text: text(s.label) })));
      fs.append(h('div', { class: 'choice side-effect' },
        h('input', { type: 'checkbox', id, checked: chosen.has(o.value) ? true : null, dataset: { effect: o.value } }),
        h('label', { for: id, text: text(o.label) }), sel));
    });
  } else {
    const id = `${item.id}-text`;
    const ta = h('textarea', { id, rows: 4, maxlength: item.maxLength });
    ta.value = value || '';
    fs.append(h('label', { for: id, class: 'visually-hidden', text: text(item.text) }), ta);
  }
  $('back').disabled = draft.step === 0;
  $('next').textContent = draft.step === instrument.items.length - 1 ? 'Submit' : 'Next';
  const first = fs.querySelector('input, textarea, select');
  if (first) first.focus();
}

/** Reads the current screen into the draft; returns an error message or null. */
function readStep() {
  const { instrument, draft } = current;
  const item = instrument.items[draft.step];
  const fs = $('question');
  let v;
  if (item.type === 'choice' || item.type === 'select') {
    const checked = fs.querySelector('input:checked');
    v = checked ? JSON.parse(checked.dataset.value) : undefined;
  } else if (item.type === 'scale' || item.type === 'number') {
    const raw = fs.querySelector('input').value.trim();
    if (raw !== '') {
      v = Number(raw);
      if (!Number.isFinite(v) || v < item.min || v > item.max || (item.type === 'scale' && !Number.isInteger(v))) {
        return `Enter a ${item.type === 'scale' ? 'whole number' : 'number'} from ${item.min} to ${item.max}.`;
      }
    }
  } else if (item.type === 'side-effects') {
    v = [];
    fs.querySelectorAll('input[type=checkbox]:checked').forEach((cb) => {
      const sel = fs.querySelector(`select[data-effect="${cb.dataset.effect}"]`);
      v.push({ effect: cb.dataset.effect, severity: sel.value });
    });
  } else {
    v = fs.querySelector('textarea').value;
    if (!v.trim()) v = undefined;
  }
  if (v === undefined) {
    delete draft.answers[item.id];
    if (item.required) return 'Please answer this question.';
  } else {
    draft.answers[item.id] = v;
  }
  saveDraft();
  return null;
}

async function submit() {
  const { instrument, draft } = current;
  const body = { clientId: draft.clientId, instrument: instrument.id, answeredAt: draft.answeredAt || new Date().toISOString(),
    answers: draft.answers };
  draft.answeredAt = body.answeredAt; // a retry sends the same answer time
  saveDraft();
  const r = await api('POST', `/api/v1/patients/${encodeURIComponent(user.id)}/checkins`, body);
  window.localStorage.removeItem(draftKey(instrument.id));
  current = null;
  if (r.crisis) {
    $('checkin-crisis-text').textContent = `${r.crisis.message} ${r.crisis.resources}`;
    $('checkin-crisis').hidden = false;
  }
  const total = r.response && r.response.total;
  $('done-text').textContent = total === null || total === undefined ? 'Your check-in was sent to your care team.'
    : `Your check-in was sent to your care team. Score: ${total}.`;
  show('done-section');
  $('done-heading').focus();
}

async function onNext(event) {
  event.preventDefault();
  const problem = readStep();
  if (problem) {
    showError($('form-error'), problem);
    return;
  }
  if (current.draft.step < current.instrument.items.length - 1) {
    current.draft.step += 1;
    saveDraft();
    renderStep();
    return;
  }
  $('next').disabled = true;
  try {
    await submit();
  } catch (e) {
    showError($('form-error'), `${e.message} Your answers are saved on this device; try again.`);
  } finally {
    $('next').disabled = false;
  }
}

async function main() {
  user = await startPage(['patient']);
  lang = user.preferredLanguage === 'es' ? 'es' : 'en';
  document.documentElement.lang = lang;
  $('question-form').addEventListener('submit', onNext);
  $('back').addEventListener('click', () => {
    readStep();
    current.draft.step = Math.max(0, current.draft.step - 1);
    saveDraft();
    renderStep();
  });
  $('done-back').addEventListener('click', () => {
    show('due-section');
    loadDue().catch((e) => showError($('page-error'), e));
  });
  try {
    await loadDue();
    const wanted = new URLSearchParams(window.location.search).get('start');
    if (wanted && instruments.has(wanted)) begin(wanted);
  } catch (e) {
    showError($('page-error'), e);
  }
}

main();
