// Video visits for patients (and clinicians joining from their schedule): the upcoming list,
// the waiting room, and the Jitsi meeting once admitted.
import { api } from './api.js';
import { openMeeting } from './jitsi.js';
import { Live } from './live.js';
import { startPage } from './session.js';
import { h, showError } from './ui.js';
import { TYPE_LABELS, STATUS_LABELS, viewerZone, formatWhen, clinicianNames, isUpcoming } from './visits-common.js';

const list = document.getElementById('visit-list');
const listPanel = document.getElementById('visit-list-panel');
const room = document.getElementById('visit-room');
const roomHeading = document.getElementById('room-heading');
const roomWhat = document.getElementById('room-what');
const roomStatus = document.getElementById('room-status');
const roomNotes = document.getElementById('room-notes');
const jitsiBox = document.getElementById('jitsi');
const pageError = document.getElementById('page-error');

let user = null;
let current = null; // the visit open in the room
let meeting = null;

function setStatus(state, text) {
  roomStatus.dataset.state = state;
  roomStatus.textContent = text;
}

function renderList(visits) {
  const upcoming = visits.filter((v) => isUpcoming(v));
  list.setAttribute('aria-busy', 'false');
  if (upcoming.length === 0) {
    list.replaceChildren(h('li', { class: 'muted', text: 'You have no upcoming video visits.' }));
    return;
  }
  list.replaceChildren(...upcoming.map((v) => h('li', { class: 'visit-item', dataset: { visitId: v.id } },
    h('p', { class: 'visit-when', text: formatWhen(v.start) }),
    h('p', { text: `${TYPE_LABELS[v.type] || v.type} with ${clinicianNames(v)} · ${v.durationMinutes} minutes` }),
    h('p', { class: 'small muted', text: STATUS_LABELS[v.status] || v.status }),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'open-visit', onclick: () => openVisit(v) }, 'Open visit'),
      h('a', { class: 'button secondary', href: `/api/v1/visits/${encodeURIComponent(v.id)}/calendar.ics`, download: 'tandem-visit.ics' },
        'Add to calendar')))));
}

async function loadList() {
  const { visits } = await api('GET', '/api/v1/visits');
  renderList(visits);
  return visits;
}

function showRoom(v) {
  current = v;
  listPanel.hidden = true;
  room.hidden = false;
  roomNotes.replaceChildren();
  roomWhat.textContent = `${TYPE_LABELS[v.type] || v.type} with ${clinicianNames(v)}, ${formatWhen(v.start)}.`;
  roomHeading.focus();
}

async function openVisit(v) {
  showError(pageError, '');
  showRoom(v);
  if (user.role !== 'patient') {
    await join();
    return;
  }
  // Far from the window there is nothing to ask the server (it would refuse); near it, the server decides.
  if (Date.now() < new Date(v.joinOpensAt).getTime() - 60000) {
    setStatus('closed', `This visit is not open yet. You can join from ${formatWhen(v.joinOpensAt)}.`);
    return;
  }
  setStatus('working', 'Checking you in…');
  try {
    const { visit } = await api('POST', `/api/v1/visits/${encodeURIComponent(v.id)}/arrive`);
    current = visit;
    if (visit.status === 'in-progress') {
      await join();
    } else {
      setStatus('waiting', 'You are in the waiting room. Your clinician will let you in shortly. Keep this page open.');
    }
  } catch (err) {
    if (err.code === 'visit_not_open') {
      setStatus('closed', `This visit is not open yet. You can join from ${formatWhen(v.joinOpensAt)}.`);
    } else {
      setStatus('closed', err.message);
    }
  }
}

let joining = false;

async function join() {
  if (joining) return;
  joining = true;
  try {
    await joinOnce();
  } finally {
    joining = false;
  }
}

async function joinOnce() {
  setStatus('working', 'Connecting to the video room…');
  let grant;
  try {
    grant = await api('POST', `/api/v1/visits/${encodeURIComponent(current.id)}/token`);
  } catch (err) {
    setStatus('closed', err.code === 'visit_not_open'
      ? `This visit is not open yet. You can join from ${formatWhen(current.joinOpensAt)}.` : err.message);
    return;
  }
  try {
    meeting = await openMeeting(grant, jitsiBox, user.name);
    setStatus('joined', 'You are in the visit.');
  } catch {
    setStatus('unreachable', 'The video service (Jitsi) cannot be reached right now. Check your internet connection and try '
      + 'again; if it keeps failing, call the clinic.');
    jitsiBox.replaceChildren(h('button', { type: 'button', onclick: () => join() }, 'Try again'));
  }
}

function onEvent(e) {
  if (!current || e.visitId !== current.id) {
    if (e.type === 'visit.changed' || e.type === 'visit.reminder') loadList().catch(() => {});
    return;
  }
  if (e.type === 'visit.note') {
    roomNotes.append(h('li', null, h('strong', { text: `${e.from}: ` }), e.text));
  } else if (e.type === 'visit.admitted' && user.role === 'patient' && !meeting && !joining) {
    join();
  } else if (e.type === 'visit.changed' && e.status === 'cancelled') {
    setStatus('closed', 'This visit was cancelled.');
  }
}

/** After (re)connecting, catch up on an admission the socket may have missed. */
async function onLiveState(state) {
  document.body.dataset.live = state;
  if (state !== 'open' || !current || meeting || user.role !== 'patient') return;
  try {
    const { visit } = await api('GET', `/api/v1/visits/${encodeURIComponent(current.id)}`);
    if (visit.status === 'in-progress' && current && !meeting) join();
  } catch {
    // The next event or reconnect tries again.
  }
}

function leave() {
  if (meeting && typeof meeting.dispose === 'function') meeting.dispose();
  meeting = null;
  current = null;
  jitsiBox.replaceChildren();
  room.hidden = true;
  listPanel.hidden = false;
  list.setAttribute('aria-busy', 'true');
  loadList().catch((err) => showError(pageError, err));
}

async function main() {
  document.getElementById('zone-name').textContent = viewerZone;
  user = await startPage(['patient', 'prescriber', 'therapist', 'navigator']);
  document.getElementById('room-leave').addEventListener('click', leave);
  new Live({ onEvent, onState: onLiveState }).start();
  const visits = await loadList();
  const wanted = new URLSearchParams(window.location.search).get('visit');
  if (wanted) {
    const v = visits.find((x) => x.id === wanted);
    if (v) await openVisit(v);
    else showError(pageError, 'That visit is not in your upcoming visits.');
  }
}

main().catch((err) => {
  list.setAttribute('aria-busy', 'false');
  showError(pageError, err);
});
