// Admin home: users, staff invitations, care teams, audit log. No clinical content.
import { api } from './api.js';
import { startPage } from './session.js';
import {
  clearError, formatDateTime, h, messageRow, renderInvitationLink, roleLabel, showError,
  statusBadge, whileBusy,
} from './ui.js';

const AUDIT_PAGE = 50;
const SLOTS = [
  ['prescriber', 'ct-prescriber', 'prescriberId'],
  ['therapist', 'ct-therapist', 'therapistId'],
  ['navigator', 'ct-navigator', 'navigatorId'],
];

const $ = (id) => document.getElementById(id);
const pageError = $('page-error');

const state = {
  me: null,
  users: [],
  usersById: new Map(),
  staff: null,
  editing: null, // the care team being edited
  oldestSeq: null,
};

/* ---------- Users ---------- */

const userBody = document.querySelector('#user-list tbody');
const usersStatus = $('users-status');

function userRow(user) {
  let action;
  if (state.me && user.id === state.me.id) {
    action = h('span', { class: 'muted', text: 'You' });
  } else {
    const disable = user.status !== 'disabled';
    action = h('button', {
      type: 'button',
      class: disable ? 'danger' : 'secondary',
      text: disable ? 'Disable' : 'Enable',
      'aria-label': `${disable ? 'Disable' : 'Enable'} ${user.name}`,
      onclick: (e) => setStatus(user, disable ? 'disabled' : 'active', e.currentTarget),
    });
  }
  return h('tr', { dataset: { userId: user.id } },
    h('td', { class: 'title', text: user.name }),
    h('td', { 'data-label': 'Email', text: user.email }),
    h('td', { 'data-label': 'Role', text: roleLabel(user.role) }),
    h('td', { 'data-label': 'Status' }, statusBadge(user.status)),
    h('td', null, action));
}

function renderUsers() {
  if (!state.users.length) {
    messageRow(userBody, 5, 'No users yet.');
    return;
  }
  userBody.replaceChildren(...state.users.map(userRow));
}

function setUsers(users) {
  const order = { admin: 0, prescriber: 1, therapist: 2, navigator: 3, patient: 4 };
  state.users = [...users].sort((a, b) => (order[a.role] ?? 9) - (order[b.role] ?? 9)
    || (a.name || '').localeCompare(b.name || ''));
  state.usersById = new Map(state.users.map((u) => [u.id, u]));
}

async function loadUsers() {
  try {
    const { users } = await api('GET', '/api/v1/admin/users');
    setUsers(users || []);
    renderUsers();
  } catch (err) {
    messageRow(userBody, 5, 'Users could not be loaded.');
    showError(pageError, err);
  }
}

async function setStatus(user, status, button) {
  usersStatus.textContent = '';
  button.disabled = true;
  try {
    const { user: updated } = await api('PATCH', `/api/v1/admin/users/${encodeURIComponent(user.id)}`, { status });
    setUsers(state.users.map((u) => (u.id === updated.id ? updated : u)));
    renderUsers();
    usersStatus.textContent = status === 'disabled'
      ? `${updated.name} is disabled and was signed out everywhere.`
      : `${updated.name} is enabled.`;
    const again = userBody.querySelector(`tr[data-user-id="${CSS.escape(updated.id)}"] button`);
    if (again) again.focus();
    state.staff = null; // who may be on a care team changed
  } catch (err) {
    button.disabled = false;
    usersStatus.textContent = '';
    showError(pageError, err);
  }
}

/* ---------- Add staff ---------- */

const staffForm = $('staff-form');
const staffName = $('staff-name');
const staffEmail = $('staff-email');
const staffRole = $('staff-role');
const staffError = $('staff-error');
const staffResult = $('staff-result');

staffForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearError(staffError, [staffName, staffEmail]);
  staffResult.replaceChildren();
  const name = staffName.value.trim();
  const email = staffEmail.value.trim();
  if (!name || !email) {
    const missing = !name ? staffName : staffEmail;
    showError(staffError, 'Enter a name and an email.', [missing]);
    missing.focus();
    return;
  }
  try {
    const data = await whileBusy($('staff-submit'), 'Creating…', () =>
      api('POST', '/api/v1/admin/users', { email, name, role: staffRole.value }));
    renderInvitationLink(staffResult, {
      intro: `${roleLabel(data.user.role)} account created for ${data.user.name} (${data.user.email}).`,
      link: data.invitation.link,
      expiresAt: data.invitation.expiresAt,
      idPrefix: 'staff',
    });
    staffForm.reset();
    loadUsers();
  } catch (err) {
    const field = err.code === 'email_taken' || /email/i.test(err.message) ? [staffEmail] : [];
    showError(staffError, err, field);
  }
});

/* ---------- Care teams ---------- */

const teamBody = document.querySelector('#care-team-list tbody');
const teamsStatus = $('care-teams-status');
const teamForm = $('care-team-form');
const teamFormHeading = $('care-team-form-heading');
const teamError = $('care-team-error');
let teams = [];

function memberName(member) {
  return member ? member.name : '—';
}

function renderTeams() {
  if (!teams.length) {
    messageRow(teamBody, 5, 'No patients yet.');
    return;
  }
  const sorted = [...teams].sort((a, b) => memberName(a.patient).localeCompare(memberName(b.patient)));
  teamBody.replaceChildren(...sorted.map((team) => h('tr', { dataset: { patientId: team.patientId } },
    h('td', { class: 'title', text: memberName(team.patient) }),
    h('td', { 'data-label': 'Prescriber', text: team.prescriber ? team.prescriber.name : 'Not assigned' }),
    h('td', { 'data-label': 'Therapist', text: team.therapist ? team.therapist.name : 'Not assigned' }),
    h('td', { 'data-label': 'Care navigator', text: team.navigator ? team.navigator.name : 'Not assigned' }),
    h('td', null, h('button', {
      type: 'button',
      class: 'secondary',
      text: 'Edit',
      'aria-label': `Edit care team for ${memberName(team.patient)}`,
      onclick: () => editTeam(team),
    })))));
}

async function loadTeams() {
  try {
    const { careTeams } = await api('GET', '/api/v1/admin/care-teams');
    teams = careTeams || [];
    renderTeams();
  } catch (err) {
    messageRow(teamBody, 5, 'Care teams could not be loaded.');
    showError(pageError, err);
  }
}

async function loadStaff() {
  if (!state.staff) {
    const { staff } = await api('GET', '/api/v1/staff');
    state.staff = staff || [];
  }
  return state.staff;
}

function fillSelect(select, role, current, staff) {
  const options = [h('option', { value: '', text: '— None —' })];
  const people = staff.filter((m) => m.role === role)
    .sort((a, b) => a.name.localeCompare(b.name));
  if (current && !people.some((m) => m.id === current.id)) {
    options.push(h('option', { value: current.id, text: `${current.name} (not active)` }));
  }
  for (const m of people) options.push(h('option', { value: m.id, text: m.name }));
  select.replaceChildren(...options);
  select.value = current ? current.id : '';
}

async function editTeam(team) {
  clearError(teamError);
  teamsStatus.textContent = '';
  try {
    const staff = await loadStaff();
    state.editing = team;
    teamFormHeading.textContent = `Edit care team for ${memberName(team.patient)}`;
    for (const [slot, id] of SLOTS) fillSelect($(id), slot, team[slot], staff);
    teamForm.hidden = false;
    teamFormHeading.focus();
  } catch (err) {
    showError(pageError, err);
  }
}

function closeTeamForm() {
  const patientId = state.editing && state.editing.patientId;
  teamForm.hidden = true;
  state.editing = null;
  const row = patientId && teamBody.querySelector(`tr[data-patient-id="${CSS.escape(patientId)}"] button`);
  if (row) row.focus();
}

$('care-team-cancel').addEventListener('click', closeTeamForm);

teamForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const selects = SLOTS.map(([, id]) => $(id));
  clearError(teamError, selects);
  const body = {};
  for (const [, id, field] of SLOTS) body[field] = $(id).value || null;
  if (!body.prescriberId && !body.therapistId) {
    showError(teamError, 'Choose at least a prescriber or a therapist.', selects.slice(0, 2));
    selects[0].focus();
    return;
  }
  const team = state.editing;
  try {
    const { careTeam } = await whileBusy($('care-team-save'), 'Saving…', () =>
      api('PUT', `/api/v1/patients/${encodeURIComponent(team.patientId)}/care-team`, body));
    teams = teams.map((t) => (t.patientId === team.patientId ? { ...careTeam, patient: t.patient } : t));
    renderTeams();
    closeTeamForm();
    teamsStatus.textContent = `Care team for ${memberName(team.patient)} saved.`;
  } catch (err) {
    showError(teamError, err);
  }
});

/* ---------- Audit log ---------- */

const auditBody = document.querySelector('#audit-list tbody');
const auditOlder = $('audit-older');
const auditResult = $('audit-result');

function personLabel(id, role) {
  if (!id) return role ? roleLabel(role) : '—';
  const user = state.usersById.get(id);
  if (user) return `${user.name} (${roleLabel(user.role)})`;
  return role ? `${roleLabel(role)} ${id}` : id;
}

function subjectLabel(entry) {
  const parts = [];
  if (entry.patientId) parts.push(`Patient: ${personLabel(entry.patientId)}`);
  if (entry.subjectId && entry.subjectId !== entry.patientId) parts.push(personLabel(entry.subjectId));
  return parts.join('; ');
}

function detailText(detail) {
  if (detail === null || detail === undefined || detail === '') return '';
  if (typeof detail !== 'object') return String(detail);
  return Object.entries(detail)
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : value}`)
    .join(', ');
}

function auditRow(entry) {
  const detail = detailText(entry.detail);
  return h('tr', null,
    h('td', { 'data-label': '#', text: String(entry.seq) }),
    h('td', { 'data-label': 'Time', text: formatDateTime(entry.at) }),
    h('td', { 'data-label': 'Event' },
      h('span', { class: 'mono', text: entry.type }),
      detail ? h('span', { class: 'muted small', text: ` ${detail}` }) : null),
    h('td', { 'data-label': 'Actor', text: personLabel(entry.actorId, entry.actorRole) }),
    h('td', { 'data-label': 'Subject', text: subjectLabel(entry) }),
    h('td', { 'data-label': 'Outcome', text: entry.outcome || '' }),
    h('td', { 'data-label': 'IP', class: 'mono', text: entry.ip || '' }));
}

async function loadAudit(before) {
  const query = new URLSearchParams({ limit: String(AUDIT_PAGE) });
  if (before !== undefined && before !== null) query.set('before', String(before));
  const { entries } = await api('GET', `/api/v1/admin/audit?${query}`);
  const list = entries || [];
  const rows = list.map(auditRow);
  if (before === undefined) {
    if (rows.length) auditBody.replaceChildren(...rows);
    else messageRow(auditBody, 7, 'No audit entries yet.');
  } else {
    auditBody.append(...rows);
  }
  if (list.length) {
    state.oldestSeq = Math.min(...list.map((e) => Number(e.seq)));
  }
  auditOlder.hidden = list.length < AUDIT_PAGE || state.oldestSeq <= 1;
}

auditOlder.addEventListener('click', async () => {
  try {
    await whileBusy(auditOlder, 'Loading…', () => loadAudit(state.oldestSeq));
  } catch (err) {
    showError(pageError, err);
  }
});

$('verify-audit').addEventListener('click', async (event) => {
  auditResult.className = 'notice after-button';
  auditResult.textContent = 'Verifying…';
  try {
    const result = await whileBusy(event.currentTarget, 'Verifying…', () =>
      api('GET', '/api/v1/admin/audit/verify'));
    if (result.ok) {
      auditResult.className = 'success after-button';
      auditResult.textContent = `Audit chain intact: ${result.checked} entries checked.`;
    } else {
      const broken = result.firstBroken || {};
      auditResult.className = 'error after-button';
      auditResult.textContent = `Audit chain broken at entry #${broken.seq}: ${broken.reason || 'hash mismatch'}. `
        + `${result.checked} entries checked.`;
    }
  } catch (err) {
    auditResult.className = 'error after-button';
    auditResult.textContent = err.message;
  }
});

/* ---------- Start ---------- */

async function main() {
  state.me = await startPage(['admin']);
  await loadUsers(); // first, so the audit log can show names
  await Promise.all([
    loadTeams(),
    loadAudit().catch((err) => {
      messageRow(auditBody, 7, 'The audit log could not be loaded.');
      showError(pageError, err);
    }),
  ]);
}

main().catch((err) => showError(pageError, err));
