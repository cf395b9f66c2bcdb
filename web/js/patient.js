// Patient home: greeting, care team, crisis resources, unread messages, panels for the next features.
import { api } from './api.js';
import { startMessagesPanel } from './messages-panel.js';
import { startPage } from './session.js';
import { h, roleLabel, showError } from './ui.js';

const SLOTS = [
  ['prescriber', 'Prescriber', 'Looks after your medication.'],
  ['therapist', 'Therapist', 'Works with you in therapy sessions.'],
  ['navigator', 'Care navigator', 'Helps you with appointments and practical questions.'],
];

const teamBox = document.getElementById('care-team');
const pageError = document.getElementById('page-error');

function renderCareTeam(careTeam) {
  const items = [];
  for (const [slot, label, what] of SLOTS) {
    const member = careTeam && careTeam[slot];
    if (!member) continue;
    items.push(h('li', null,
      h('span', { class: 'who', text: member.name }),
      h('span', { class: 'role', text: `${roleLabel(member.role) || label}. ${what}` })));
  }
  if (items.length === 0) {
    teamBox.replaceChildren(h('p', {
      class: 'placeholder',
      text: 'Your clinic has not set up your care team yet. The people looking after you will appear here.',
    }));
  } else {
    teamBox.replaceChildren(h('ul', { class: 'team' }, items));
  }
}

async function main() {
  const user = await startPage(['patient']);
  startMessagesPanel(user);
  try {
    const { patient } = await api('GET', `/api/v1/patients/${encodeURIComponent(user.id)}`);
    renderCareTeam(patient.careTeam);
  } catch (err) {
    teamBox.replaceChildren(h('p', { class: 'muted', text: 'Your care team could not be loaded.' }));
    showError(pageError, err);
  } finally {
    teamBox.setAttribute('aria-busy', 'false');
  }
}

main().catch((err) => showError(pageError, err));
