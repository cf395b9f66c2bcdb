// Patient library: what the care team assigned, what is due, what is done.
import { api } from './api.js';
import { startPage } from './session.js';
import { h, showError, formatDate } from './ui.js';
import { eduText } from './edu-text.js';

const pageError = document.getElementById('page-error');
const todo = document.getElementById('todo');
const done = document.getElementById('done');

function status(a, T) {
  const p = a.progress;
  if (p.completedAt) return h('span', { class: 'badge active', text: T.finished });
  if (!p.openedAt) return h('span', { class: 'badge invited', text: T.notStarted });
  return h('span', { class: 'badge', text: T.percentRead(p.position) });
}

function item(a, T) {
  const meta = [T.minutes(a.minutes)];
  if (a.dueDate) meta.push(T.due(formatDate(`${a.dueDate}T12:00:00`)));
  return h('li', { class: 'edu-item', dataset: { moduleId: a.moduleId } },
    h('a', { class: 'edu-link', href: `/reader.html?module=${encodeURIComponent(a.moduleId)}` },
      h('span', { class: 'edu-title', text: a.title }),
      h('span', { class: 'edu-summary', text: a.summary })),
    h('p', { class: 'edu-meta' }, status(a, T), ' ', meta.join(' · '),
      a.overdue ? h('span', { class: 'edu-overdue', text: ` · ${T.overdue}` }) : null),
    a.fallback ? h('p', { class: 'small muted', text: T.englishOnly }) : null,
    a.note ? h('p', { class: 'edu-note' }, h('strong', { text: T.noteFrom(a.assignedBy ? a.assignedBy.name : '') }), ' ', a.note) : null);
}

async function main() {
  const user = await startPage(['patient']);
  const T = eduText(user.preferredLanguage);
  document.documentElement.lang = T.lang;
  document.getElementById('library-heading').textContent = T.learning;
  document.getElementById('library-lead').textContent = T.lead;
  document.getElementById('todo-heading').textContent = T.toRead;
  document.getElementById('done-heading').textContent = T.done;
  try {
    const data = await api('GET', `/api/v1/patients/${encodeURIComponent(user.id)}/education`);
    const open = data.assignments.filter((a) => !a.progress.completedAt);
    const finished = data.assignments.filter((a) => a.progress.completedAt);
    todo.replaceChildren(...(open.length ? open.map((a) => item(a, T)) : [h('li', { class: 'muted', text: T.nothingToRead })]));
    done.replaceChildren(...(finished.length ? finished.map((a) => item(a, T)) : [h('li', { class: 'muted', text: T.nothingDone })]));
  } catch (err) {
    todo.replaceChildren();
    showError(pageError, err);
  } finally {
    todo.setAttribute('aria-busy', 'false');
  }
}

main().catch((err) => showError(pageError, err));
