// Clinician schedule: day/week view of the caller's visits, the live waiting room with admit
// and note, single and paired booking.
import { api } from './api.js';
import { Live } from './live.js';
import { startPage } from './session.js';
import { h, showError, clearError, whileBusy } from './ui.js';
import { TYPE_LABELS, STATUS_LABELS, viewerZone, formatClock, formatDay, formatWhen, formatWait, patientName } from './visits-common.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const pageError = document.getElementById('page-error');
const announcer = document.getElementById('announcer');
const waitingList = document.getElementById('waiting-list');
const scheduleBox = document.getElementById('schedule');
const rangeLabel = document.getElementById('range-label');
const view = document.getElementById('view');

let anchor = startOfDay(new Date());
let waiting = new Map(); // visitId -> entry

function startOfDay(d) {
  const x = new Date(d);
  x.setHours(0, 0, 0, 0);
  return x;
}

function range() {
  if (view.value === 'day') return [anchor, new Date(anchor.getTime() + DAY_MS)];
  const start = new Date(anchor);
  start.setDate(start.getDate() - ((start.getDay() + 6) % 7)); // Monday
  const end = new Date(start);
  end.setDate(end.getDate() + 7);
  return [start, end];
}

async function loadSchedule() {
  const [from, to] = range();
  rangeLabel.textContent = view.value === 'day' ? formatDay(from) : `${formatDay(from)} – ${formatDay(new Date(to.getTime() - 1))}`;
  scheduleBox.setAttribute('aria-busy', 'true');
  const { visits } = await api('GET', `/api/v1/visits?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`);
  const days = new Map();
  for (const v of visits) {
    const key = startOfDay(new Date(v.start)).getTime();
    if (!days.has(key)) days.set(key, []);
    days.get(key).push(v);
  }
  const sections = [];
  for (const [key, list] of [...days.entries()].sort((a, b) => a[0] - b[0])) {
    sections.push(h('h3', { text: formatDay(new Date(key)) }), h('ul', { class: 'visit-list' }, list.map(visitRow)));
  }
  scheduleBox.replaceChildren(...(sections.length ? sections : [h('p', { class: 'muted', text: 'No visits in this range.' })]));
  scheduleBox.setAttribute('aria-busy', 'false');
}

function visitRow(v) {
  const actions = [];
  const id = encodeURIComponent(v.id);
  if (['scheduled', 'waiting', 'in-progress'].includes(v.status)) {
    actions.push(h('a', { class: 'button', href: `/visits.html?visit=${id}` }, 'Join'));
  }
  if (v.status === 'in-progress') actions.push(action('Complete', () => api('POST', `/api/v1/visits/${id}/complete`)));
  if (['scheduled', 'waiting'].includes(v.status)) {
    if (new Date(v.start).getTime() <= Date.now()) actions.push(action('No-show', () => api('POST', `/api/v1/visits/${id}/no-show`)));
    actions.push(action('Cancel', () => api('POST', `/api/v1/visits/${id}/cancel`)));
  }
  const move = v.status === 'scheduled' ? moveForm(v) : null;
  return h('li', { class: 'visit-item', dataset: { visitId: v.id, status: v.status } },
    h('p', { class: 'visit-when', text: `${formatClock(v.start)} – ${formatClock(v.end)}` }),
    h('p', { text: `${patientName(v)} · ${TYPE_LABELS[v.type] || v.type}` }),
    h('p', { class: 'small muted', text: STATUS_LABELS[v.status] || v.status }),
    h('div', { class: 'actions' }, actions),
    move);
}

/** Reschedule: a new start in the viewer's own time; the server claims it before freeing the old one. */
function moveForm(v) {
  const inputId = `move-${v.id}`;
  const input = h('input', { id: inputId, type: 'datetime-local', step: '300' });
  const save = h('button', { type: 'button', class: 'secondary' }, 'Move');
  save.addEventListener('click', () => whileBusy(save, 'Moving…', async () => {
    const when = new Date(input.value);
    if (!input.value || Number.isNaN(when.getTime())) {
      showError(pageError, 'Choose the new start time first.');
      return;
    }
    try {
      await api('POST', `/api/v1/visits/${encodeURIComponent(v.id)}/reschedule`, { start: when.toISOString(), durationMinutes: v.durationMinutes });
      announcer.textContent = `Moved to ${formatWhen(when.toISOString())}.`;
      await loadSchedule();
    } catch (err) {
      showError(pageError, err);
    }
  }));
  return h('div', { class: 'field inline' }, h('label', { for: inputId, text: 'New start' }), input, save);
}

function action(label, run) {
  const b = h('button', { type: 'button', class: 'secondary' }, label);
  b.addEventListener('click', () => whileBusy(b, `${label}…`, async () => {
    try {
      await run();
      await loadSchedule();
    } catch (err) {
      showError(pageError, err);
    }
  }));
  return b;
}

// ---- waiting room -----------------------------------------------------------------------

function renderWaiting() {
  waitingList.setAttribute('aria-busy', 'false');
  if (waiting.size === 0) {
    waitingList.replaceChildren(h('li', { class: 'muted', text: 'Nobody is waiting.' }));
    return;
  }
  const now = Date.now();
  const entries = [...waiting.values()].sort((a, b) => new Date(a.waitingSince) - new Date(b.waitingSince));
  waitingList.replaceChildren(...entries.map((w) => {
    const id = encodeURIComponent(w.visitId);
    const waited = Math.max(0, Math.round((now - new Date(w.waitingSince).getTime()) / 1000) + (w.skew || 0));
    const admit = h('button', { type: 'button', class: 'admit' }, `Admit ${w.patientName}`);
    admit.addEventListener('click', () => whileBusy(admit, 'Admitting…', async () => {
      try {
        await api('POST', `/api/v1/visits/${id}/admit`);
        waiting.delete(w.visitId);
        renderWaiting();
        window.location.assign(`/visits.html?visit=${id}`);
      } catch (err) {
        showError(pageError, err);
      }
    }));
    const noteId = `note-${w.visitId}`;
    const note = h('input', { id: noteId, type: 'text', maxlength: '140', placeholder: 'Running 5 minutes late' });
    const send = h('button', { type: 'button', class: 'secondary' }, 'Send note');
    send.addEventListener('click', () => whileBusy(send, 'Sending…', async () => {
      if (!note.value.trim()) return;
      try {
        await api('POST', `/api/v1/visits/${id}/note`, { text: note.value.trim() });
        announcer.textContent = `Note sent to ${w.patientName}.`;
        note.value = '';
      } catch (err) {
        showError(pageError, err);
      }
    }));
    return h('li', { class: 'waiting-item', dataset: { visitId: w.visitId } },
      h('p', null, h('strong', { text: w.patientName }), ` · ${TYPE_LABELS[w.visitType] || w.visitType} at ${formatClock(w.start)}`),
      h('p', { class: 'small waited', text: `Waiting ${formatWait(waited)}` }),
      h('div', { class: 'actions' }, admit),
      h('div', { class: 'field inline' }, h('label', { for: noteId, text: `Note to ${w.patientName}` }), note, send));
  }));
}

async function loadWaiting() {
  const r = await api('GET', '/api/v1/visits/waiting');
  const serverNow = Date.now();
  waiting = new Map(r.waiting.map((w) => [w.visitId, {
    ...w,
    // The server's count is authoritative; the browser only adds time elapsed since.
    skew: w.waitedSeconds - Math.round((serverNow - new Date(w.waitingSince).getTime()) / 1000),
  }]));
  renderWaiting();
}

function onEvent(e) {
  if (e.type === 'visit.waiting') {
    announcer.textContent = `${e.patientName} is waiting.`;
    loadWaiting().catch((err) => showError(pageError, err));
    loadSchedule().catch(() => {});
  } else if (e.type === 'visit.admitted' || e.type === 'visit.changed') {
    waiting.delete(e.visitId);
    renderWaiting();
    loadSchedule().catch(() => {});
  }
}

// ---- booking ----------------------------------------------------------------------------

async function loadPatients() {
  const { patients } = await api('GET', '/api/v1/patients');
  for (const select of [document.getElementById('book-patient'), document.getElementById('pair-patient')]) {
    select.replaceChildren(...patients.map((p) => h('option', { value: p.id, text: p.name })));
  }
}

function wireBooking() {
  const form = document.getElementById('book-form');
  const error = document.getElementById('book-error');
  const result = document.getElementById('book-result');
  const start = document.getElementById('book-start');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearError(error, [start]);
    result.textContent = '';
    const when = new Date(start.value); // datetime-local is the viewer's own time
    if (!start.value || Number.isNaN(when.getTime())) {
      showError(error, 'Choose a start time.', [start]);
      return;
    }
    whileBusy(document.getElementById('book-submit'), 'Booking…', async () => {
      try {
        const { visit } = await api('POST', '/api/v1/visits', {
          patientId: document.getElementById('book-patient').value,
          type: document.getElementById('book-type').value,
          start: when.toISOString(),
          durationMinutes: Number(document.getElementById('book-duration').value),
        });
        result.textContent = `Booked: ${patientName(visit)}, ${formatWhen(visit.start)}.`;
        await loadSchedule();
      } catch (err) {
        showError(error, err);
      }
    });
  });

  const pairForm = document.getElementById('pair-form');
  const pairError = document.getElementById('pair-error');
  const pairList = document.getElementById('pair-list');
  pairForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearError(pairError);
    const patientId = document.getElementById('pair-patient').value;
    const date = document.getElementById('pair-date').value;
    if (!date) {
      showError(pairError, 'Choose a day.');
      return;
    }
    whileBusy(document.getElementById('pair-submit'), 'Looking…', async () => {
      try {
        const r = await api('GET', `/api/v1/visits/proposals?patientId=${encodeURIComponent(patientId)}&date=${date}&zone=${encodeURIComponent(viewerZone)}`);
        if (r.proposals.length === 0) {
          pairList.replaceChildren(h('li', { class: 'muted', text: r.hoursSet ? 'No paired times free that day.' : 'Both clinicians need working hours set first.' }));
          return;
        }
        pairList.replaceChildren(...r.proposals.map((p) => {
          const b = h('button', { type: 'button', class: 'secondary' }, 'Book this pair');
          b.addEventListener('click', () => whileBusy(b, 'Booking…', async () => {
            try {
              await api('POST', '/api/v1/visits/pairs', { patientId, first: slot(p.first), second: slot(p.second) });
              pairList.replaceChildren(h('li', { class: 'success', text: 'Both visits booked.' }));
              await loadSchedule();
            } catch (err) {
              showError(pairError, err);
            }
          }));
          return h('li', null, `${formatClock(p.first.start)} ${TYPE_LABELS[p.first.type]}, then ${formatClock(p.second.start)} ${TYPE_LABELS[p.second.type]} `, b);
        }));
      } catch (err) {
        showError(pairError, err);
      }
    });
  });
}

// ---- working hours ----------------------------------------------------------------------

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
let timeOff = [];

function renderTimeOff() {
  const list = document.getElementById('time-off-list');
  list.replaceChildren(...timeOff.map((t, i) => h('li', null, `${formatWhen(t.start)} – ${formatWhen(t.end)} `,
    h('button', { type: 'button', class: 'secondary', onclick: () => { timeOff.splice(i, 1); renderTimeOff(); } }, 'Remove'))));
}

async function wireHours(user) {
  const days = document.getElementById('hours-days');
  days.replaceChildren(...DAYS.map((d) => h('div', { class: 'field inline' },
    h('span', { class: 'day-name', id: `day-${d}`, text: d[0].toUpperCase() + d.slice(1) }),
    h('label', { for: `${d}-start`, class: 'visually-hidden', text: `${d} from` }),
    h('input', { id: `${d}-start`, type: 'time', step: '300', 'aria-describedby': `day-${d}` }),
    h('label', { for: `${d}-end`, class: 'visually-hidden', text: `${d} until` }),
    h('input', { id: `${d}-end`, type: 'time', step: '300', 'aria-describedby': `day-${d}` }))));
  const zone = document.getElementById('hours-zone');
  zone.value = viewerZone;
  const { availability } = await api('GET', `/api/v1/availability/${encodeURIComponent(user.id)}`);
  if (availability) { // none yet: bookable at any time until hours are saved
    zone.value = availability.zone;
    for (const d of DAYS) {
      const w = (availability.weekly[d] || [])[0];
      if (w) {
        document.getElementById(`${d}-start`).value = w.start;
        document.getElementById(`${d}-end`).value = w.end;
      }
    }
    timeOff = availability.timeOff || [];
  }
  renderTimeOff();
  document.getElementById('off-add').addEventListener('click', () => {
    const from = new Date(document.getElementById('off-start').value);
    const until = new Date(document.getElementById('off-end').value);
    if (Number.isNaN(from.getTime()) || Number.isNaN(until.getTime()) || until <= from) {
      showError(document.getElementById('hours-error'), 'Time off needs a start and a later end.');
      return;
    }
    timeOff.push({ start: from.toISOString(), end: until.toISOString() });
    renderTimeOff();
  });
  const form = document.getElementById('hours-form');
  const error = document.getElementById('hours-error');
  const result = document.getElementById('hours-result');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearError(error);
    result.textContent = '';
    const weekly = {};
    for (const d of DAYS) {
      const start = document.getElementById(`${d}-start`).value;
      const end = document.getElementById(`${d}-end`).value;
      if (start && end) weekly[d] = [{ start, end }];
    }
    whileBusy(document.getElementById('hours-submit'), 'Saving…', async () => {
      try {
        await api('PUT', '/api/v1/availability', { zone: zone.value.trim(), weekly, timeOff });
        result.textContent = 'Working hours saved.';
      } catch (err) {
        showError(error, err);
      }
    });
  });
}

function slot(s) {
  return { type: s.type, start: s.start, durationMinutes: s.durationMinutes };
}

async function main() {
  document.getElementById('zone-name').textContent = viewerZone;
  const user = await startPage(['prescriber', 'therapist', 'navigator']);
  document.getElementById('pair-date').value = new Date(Date.now() + DAY_MS).toISOString().slice(0, 10);
  new Live({ onEvent, onState: (state) => { document.body.dataset.live = state; } }).start();
  view.addEventListener('change', () => loadSchedule().catch((err) => showError(pageError, err)));
  const step = (n) => {
    anchor = new Date(anchor.getTime() + n * (view.value === 'day' ? 1 : 7) * DAY_MS);
    loadSchedule().catch((err) => showError(pageError, err));
  };
  document.getElementById('prev').addEventListener('click', () => step(-1));
  document.getElementById('next').addEventListener('click', () => step(1));
  document.getElementById('today').addEventListener('click', () => {
    anchor = startOfDay(new Date());
    loadSchedule().catch((err) => showError(pageError, err));
  });
  window.setInterval(renderWaiting, 15000);
  wireBooking();
  await Promise.all([loadSchedule(), loadWaiting(), loadPatients(), wireHours(user)]);
}

main().catch((err) => showError(pageError, err));
