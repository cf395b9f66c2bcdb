// Clinician home: patients on my care teams, a patient's record, inviting a patient, unread messages.
import { api } from './api.js';
import { startMessagesPanel } from './messages-panel.js';
import { CLINICIAN_ROLES, startPage } from './session.js';
import {
  clearError, debounce, formatDate, formatDateTime, h, languageLabel, messageRow, renderInvitationLink, roleLabel,
  showError, statusBadge, whileBusy,
} from './ui.js';

const pageError = document.getElementById('page-error');
const tbody = document.querySelector('#patient-list tbody');
const detail = document.getElementById('patient-detail');
const detailHeading = document.getElementById('detail-heading');
const detailBody = document.getElementById('patient-detail-body');

const inviteForm = document.getElementById('invite-form');
const inviteName = document.getElementById('invite-name');
const inviteEmail = document.getElementById('invite-email');
const inviteLanguage = document.getElementById('invite-language');
const inviteError = document.getElementById('invite-error');
const inviteSubmit = document.getElementById('invite-submit');
const inviteResult = document.getElementById('invite-result');

const SLOTS = ['prescriber', 'therapist', 'navigator'];

function teamSummary(careTeam) {
  const parts = [];
  for (const slot of SLOTS) {
    const member = careTeam && careTeam[slot];
    if (member) parts.push(`${member.name} (${roleLabel(slot)})`);
  }
  return parts.length ? parts.join(', ') : 'No care team yet';
}

function selectRow(id) {
  for (const row of tbody.querySelectorAll('tr[data-patient-id]')) {
    const selected = row.dataset.patientId === id;
    row.classList.toggle('selected', selected);
    const button = row.querySelector('button');
    if (button) button.setAttribute('aria-pressed', String(selected));
  }
}

function renderPatients(patients) {
  if (!patients.length) {
    messageRow(tbody, 4, 'No patients yet. Invite a patient below, or ask your clinic admin to add you to a care team.');
    return;
  }
  const sorted = [...patients].sort((a, b) => (a.name || '').localeCompare(b.name || ''));
  tbody.replaceChildren(...sorted.map((p) => {
    const open = () => openPatient(p.id);
    return h('tr', { dataset: { patientId: p.id }, onclick: (e) => {
      if (!e.target.closest('button')) open();
    } },
    h('td', { class: 'title' },
      h('button', { type: 'button', class: 'link', 'aria-pressed': 'false', text: p.name, onclick: open })),
    h('td', { 'data-label': 'Email', text: p.email }),
    h('td', { 'data-label': 'Status' }, statusBadge(p.status)),
    h('td', { 'data-label': 'Care team', text: teamSummary(p.careTeam) }));
  }));
}

async function loadPatients() {
  try {
    const { patients } = await api('GET', '/api/v1/patients');
    renderPatients(patients || []);
  } catch (err) {
    messageRow(tbody, 4, 'Your patients could not be loaded.');
    showError(pageError, err);
  }
}

function recordList(pairs) {
  return h('dl', { class: 'record' }, pairs.flatMap(([term, value]) => [
    h('dt', { text: term }),
    value instanceof Node ? h('dd', null, value) : h('dd', { text: value }),
  ]));
}

function renderRecord(patient) {
  const team = patient.careTeam || {};
  const teamList = h('ul', { class: 'team' }, SLOTS.map((slot) => h('li', null,
    h('span', { class: 'who', text: team[slot] ? team[slot].name : 'Not assigned' }),
    h('span', { class: 'role', text: roleLabel(slot) }))));
  detailHeading.textContent = patient.name;
  detailBody.replaceChildren(
    recordList([
      ['Email', patient.email],
      ['Status', statusBadge(patient.status)],
      ['Preferred language', languageLabel(patient.preferredLanguage)],
      ['Patient since', formatDate(patient.createdAt)],
    ]),
    h('h3', { text: 'Care team' }),
    teamList,
    h('p', { class: 'small' },
      h('a', { href: '/trend.html?patient=' + encodeURIComponent(patient.id), text: 'Check-in trend' }), ' · ',
      h('a', { href: '/assign.html?patient=' + encodeURIComponent(patient.id), text: 'Education' }), ' · ',
      h('a', { href: '/messages.html', text: 'Messages' }), ' · ',
      h('a', { href: '/schedule.html', text: 'Schedule' })),
  );
}

async function openPatient(id) {
  selectRow(id);
  detail.hidden = false;
  detailHeading.textContent = 'Patient record';
  detailBody.replaceChildren(h('p', { class: 'muted', text: 'Loading record…' }));
  detailHeading.focus();
  try {
    const { patient } = await api('GET', `/api/v1/patients/${encodeURIComponent(id)}`);
    renderRecord(patient);
  } catch (err) {
    detailBody.replaceChildren(h('p', { class: 'error', text: err.status === 404
      ? 'This record is not available to you.'
      : err.message }));
  }
}

inviteForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const fields = [inviteName, inviteEmail];
  clearError(inviteError, fields);
  inviteResult.replaceChildren();

  const name = inviteName.value.trim();
  const email = inviteEmail.value.trim();
  if (!name || !email) {
    const missing = !name ? inviteName : inviteEmail;
    showError(inviteError, 'Enter the patient\'s name and email.', [missing]);
    missing.focus();
    return;
  }
  try {
    const data = await whileBusy(inviteSubmit, 'Creating…', () => api('POST', '/api/v1/patients', {
      email, name, preferredLanguage: inviteLanguage.value,
    }));
    renderInvitationLink(inviteResult, {
      intro: `Invitation created for ${data.patient.name} (${data.patient.email}).`,
      link: data.invitation.link,
      expiresAt: data.invitation.expiresAt,
      idPrefix: 'invite',
    });
    inviteForm.reset();
    loadPatients();
  } catch (err) {
    const field = err.code === 'email_taken' || /email/i.test(err.message) ? [inviteEmail] : [];
    showError(inviteError, err, field);
  }
});

// The Safety alerts panel: how many are open on my care teams (the monitoring page lists them and
// takes the acknowledgements), kept current by the live connection.
const alertsSummary = document.getElementById('alerts-summary');

async function refreshAlerts() {
  alertsSummary.setAttribute('aria-busy', 'true');
  try {
    const data = await api('GET', '/api/v1/safety-alerts');
    const open = data.alerts || [];
    const urgent = open.filter((a) => a.severity === 'urgent').length;
    const oldest = open.reduce((o, a) => (!o || a.createdAt < o.createdAt ? a : o), null);
    alertsSummary.textContent = open.length === 0 ? 'No open safety alerts.'
      : `${open.length} open safety alert${open.length === 1 ? '' : 's'}${urgent ? ` (${urgent} urgent)` : ''}, `
        + `the oldest raised ${formatDateTime(oldest.createdAt)}.`;
    alertsSummary.classList.toggle('unread-line', open.length > 0);
  } catch {
    alertsSummary.textContent = 'Open safety alerts could not be counted: open the monitoring page.';
  } finally {
    alertsSummary.setAttribute('aria-busy', 'false');
  }
}

async function main() {
  const user = await startPage(CLINICIAN_ROLES);
  document.getElementById('user-role').textContent = `${roleLabel(user.role)} · your patients and care`;
  const alertsSoon = debounce(refreshAlerts, 300);
  startMessagesPanel(user, (event) => {
    if (!event || event.type === 'safety.alert' || event.type === 'safety.acknowledged' || event.type === 'safety.escalated') {
      alertsSoon();
    }
  });
  refreshAlerts();
  await loadPatients();
}

main().catch((err) => showError(pageError, err));
