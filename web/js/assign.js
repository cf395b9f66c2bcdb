// Clinician education screen: pick a patient, see their modules and progress, assign, remove,
// and confirm or dismiss modules suggested by check-ins.
import { api } from './api.js';
import { CLINICIAN_ROLES, startPage } from './session.js';
import { h, showError, clearError, whileBusy, messageRow, formatDate, languageLabel } from './ui.js';

const pageError = document.getElementById('page-error');
const select = document.getElementById('patient-select');
const tbody = document.querySelector('#assignments tbody');
const suggestions = document.getElementById('suggestions');
const form = document.getElementById('assign-form');
const moduleSelect = document.getElementById('assign-module');
const note = document.getElementById('assign-note');
const due = document.getElementById('assign-due');
const assignError = document.getElementById('assign-error');
const assignStatus = document.getElementById('assign-status');

let patientId = '';

const base = () => `/api/v1/patients/${encodeURIComponent(patientId)}/education`;

function progressText(p) {
  if (p.completedAt) return 'Completed';
  if (p.readToEndAt) return 'Read to the end';
  if (p.openedAt) return `Opened, ${p.position}% read`;
  return 'Not opened yet';
}

function checkText(p) {
  return p.checkAnsweredAt ? `${p.checkCorrect} of ${p.checkTotal} correct` : '—';
}

function helpfulText(p) {
  if (p.helpful === true) return 'Yes';
  if (p.helpful === false) return 'No';
  return '—';
}

function row(a) {
  const remove = h('button', {
    type: 'button',
    class: 'link',
    text: 'Remove',
    'aria-label': `Remove ${a.title}`,
    onclick: async () => {
      try {
        await api('DELETE', `${base()}/assignments/${encodeURIComponent(a.moduleId)}`);
        await load();
      } catch (err) {
        showError(pageError, err);
      }
    },
  });
  return h('tr', { dataset: { moduleId: a.moduleId, stage: a.progress.stage } },
    h('td', { class: 'title', 'data-label': 'Module' },
      h('a', { href: `/reader.html?module=${encodeURIComponent(a.moduleId)}&lang=${encodeURIComponent(a.readIn)}`, text: a.title,
        title: 'Preview what the patient reads' }),
      a.note ? h('span', { class: 'small muted block', text: `Note: ${a.note}` }) : null,
      a.readIn !== a.language ? h('span', { class: 'small muted block', text: `Patient reads it in ${languageLabel(a.readIn)}` }) : null),
    h('td', { 'data-label': 'Due' }, a.dueDate ? formatDate(`${a.dueDate}T12:00:00`) : '—',
      a.overdue ? h('span', { class: 'edu-overdue', text: ' (overdue)' }) : null),
    h('td', { class: 'progress-cell', 'data-label': 'Progress', text: progressText(a.progress) }),
    h('td', { class: 'check-cell', 'data-label': 'Check', text: checkText(a.progress) }),
    h('td', { class: 'helpful-cell', 'data-label': 'Helpful', text: helpfulText(a.progress) }),
    h('td', { 'data-label': 'Actions' }, remove));
}

function suggestion(s) {
  const decide = (action) => async () => {
    try {
      await api('POST', `${base()}/suggestions/${encodeURIComponent(s.moduleId)}/${action}`, action === 'confirm' ? {} : undefined);
      await load();
    } catch (err) {
      showError(pageError, err);
    }
  };
  return h('li', { class: 'edu-item', dataset: { moduleId: s.moduleId } },
    h('span', { class: 'edu-title', text: s.title }),
    h('span', { class: 'small muted block', text: `Why: ${s.reason}` }),
    h('div', { class: 'actions' },
      h('button', { type: 'button', text: 'Assign', 'aria-label': `Assign ${s.title}`, onclick: decide('confirm') }),
      h('button', { type: 'button', class: 'secondary', text: 'Dismiss', 'aria-label': `Dismiss ${s.title}`, onclick: decide('dismiss') })));
}

async function load() {
  clearError(pageError);
  for (const id of ['assignments-panel', 'assign-panel', 'suggestions-panel']) document.getElementById(id).hidden = !patientId;
  if (!patientId) return;
  messageRow(tbody, 6, 'Loading…');
  const data = await api('GET', base());
  if (data.assignments.length === 0) messageRow(tbody, 6, 'Nothing assigned yet.');
  else tbody.replaceChildren(...data.assignments.map(row));
  const open = data.suggestions || [];
  suggestions.replaceChildren(...(open.length ? open.map(suggestion) : [h('li', { class: 'muted', text: 'No suggestions right now.' })]));
}

async function main() {
  await startPage(CLINICIAN_ROLES);
  const [{ patients }, { modules }] = await Promise.all([
    api('GET', '/api/v1/patients'),
    api('GET', '/api/v1/education/modules'),
  ]);
  select.replaceChildren(h('option', { value: '', text: patients.length ? 'Choose…' : 'No patients yet' }),
    ...patients.map((p) => h('option', { value: p.id, text: p.name })));
  moduleSelect.replaceChildren(...modules.map((m) => h('option', { value: m.id, text: `${m.title} (${m.minutes} min)` })));
  const wanted = new URLSearchParams(window.location.search).get('patient');
  if (wanted && patients.some((p) => p.id === wanted)) {
    select.value = wanted;
    patientId = wanted;
  }
  select.addEventListener('change', () => {
    patientId = select.value;
    assignStatus.textContent = '';
    load().catch((err) => showError(pageError, err));
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearError(assignError, [note, due]);
    assignStatus.textContent = '';
    const body = { moduleId: moduleSelect.value };
    if (note.value.trim()) body.note = note.value.trim();
    if (due.value) body.dueDate = due.value;
    try {
      await whileBusy(document.getElementById('assign-submit'), 'Assigning…', async () => {
        const res = await api('POST', `${base()}/assignments`, body);
        assignStatus.textContent = res.created ? `Assigned “${res.assignment.title}”.` : `Updated “${res.assignment.title}”.`;
        note.value = '';
        due.value = '';
        await load();
      });
    } catch (err) {
      showError(assignError, err, err.message && err.message.startsWith('dueDate') ? [due] : []);
    }
  });
  await load();
}

main().catch((err) => showError(pageError, err));
