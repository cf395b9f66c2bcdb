// Phone reader: one module in large type, progress saved as the patient reads, the end marker,
// the comprehension check and "was this helpful?".
import { api } from './api.js';
import { CLINICIAN_ROLES, startPage } from './session.js';
import { h, showError, clearError, whileBusy } from './ui.js';
import { eduText } from './edu-text.js';

const pageError = document.getElementById('page-error');
const article = document.getElementById('module');
const body = document.getElementById('module-body');
const endMarker = document.getElementById('end-marker');
const POSITION_STEP = 10;

let progressPath = null;
let saved = 0;
let reachedEnd = false;

async function report(event) {
  if (!progressPath) return null;
  const data = await api('POST', progressPath, event);
  if (data && data.assignment) saved = data.assignment.progress.position;
  return data;
}

/**
 * The module HTML was rendered from Markdown and sanitized on the server with an allow-list
 * (no scripts, event handlers, javascript:/data: URLs or foreign images). Inserting it is the
 * one place a page takes markup from the API; it goes through DOMParser (which never runs
 * scripts) and importNode rather than innerHTML, and the page's CSP blocks inline script anyway.
 */
function insertSanitized(container, html) {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  container.replaceChildren(...Array.from(doc.body.childNodes).map((n) => document.importNode(n, true)));
}

function percentRead() {
  const rect = body.getBoundingClientRect();
  if (rect.height <= 0) return 0;
  const seen = window.innerHeight - rect.top;
  return Math.max(0, Math.min(100, Math.round((seen / rect.height) * 100)));
}

function trackPosition() {
  let pending = false;
  window.addEventListener('scroll', () => {
    if (pending || reachedEnd) return;
    const p = percentRead();
    if (p < saved + POSITION_STEP || p >= 100) return;
    pending = true;
    // At most one save every two seconds while scrolling.
    setTimeout(async () => {
      try {
        await report({ event: 'position', position: Math.min(99, percentRead()) });
      } catch {
        // A missed position save is harmless; the next scroll tries again.
      } finally {
        pending = false;
      }
    }, 2000);
  }, { passive: true });
}

function watchEnd(T, onEnd) {
  const seen = () => {
    if (reachedEnd) return;
    reachedEnd = true;
    report({ event: 'read-to-end' }).then(onEnd).catch((err) => showError(pageError, err));
  };
  if ('IntersectionObserver' in window) {
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        io.disconnect();
        seen();
      }
    });
    io.observe(endMarker);
  } else {
    seen();
  }
}

function restorePosition(position) {
  if (position <= 0 || position >= 100) return;
  const rect = body.getBoundingClientRect();
  const target = window.scrollY + rect.top + (rect.height * position) / 100 - window.innerHeight;
  if (target > 0) window.scrollTo(0, target);
}

function renderCheck(T, questions, previous) {
  const box = document.getElementById('check-questions');
  box.replaceChildren(...questions.map((q, i) => h('fieldset', { class: 'check-question', dataset: { questionId: q.id } },
    h('legend', { text: `${i + 1}. ${q.text}` }),
    ...q.options.map((o) => {
      const id = `q-${q.id}-${o.id}`;
      return h('div', { class: 'choice' },
        h('input', { type: 'radio', id, name: q.id, value: o.id, checked: previous[q.id] === o.id }),
        h('label', { for: id, text: o.text }));
    }))));
}

function renderResults(T, questions, results) {
  const out = document.getElementById('check-results');
  const correct = results.filter((r) => r.correct).length;
  out.replaceChildren(h('p', { class: 'success', text: T.score(correct, results.length) }),
    h('ol', { class: 'check-results' }, ...results.map((r) => {
      const q = questions.find((x) => x.id === r.id);
      const right = q && q.options.find((o) => o.id === r.answer);
      return h('li', { class: r.correct ? 'right' : 'wrong', dataset: { questionId: r.id } },
        h('strong', { text: r.correct ? T.correct : T.notQuite }), ' ',
        r.correct || !right ? '' : `${right.text}. `, r.explanation);
    })));
}

function wireCheck(T, questions) {
  const form = document.getElementById('check-form');
  const error = document.getElementById('check-error');
  const submit = document.getElementById('check-submit');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearError(error);
    const answers = {};
    for (const q of questions) {
      const picked = form.querySelector(`input[name="${CSS.escape(q.id)}"]:checked`);
      if (picked) answers[q.id] = picked.value;
    }
    if (Object.keys(answers).length !== questions.length) {
      showError(error, T.answerAll);
      return;
    }
    if (!progressPath) {
      showError(error, T.notAssigned);
      return;
    }
    try {
      await whileBusy(submit, T.sending, async () => {
        const data = await report({ event: 'check', answers });
        renderResults(T, questions, data.results);
        markDone(T, data.assignment.progress);
      });
    } catch (err) {
      showError(error, err);
    }
  });
}

function wireHelpful(T, previous) {
  const yes = document.getElementById('helpful-yes');
  const no = document.getElementById('helpful-no');
  const status = document.getElementById('helpful-status');
  yes.textContent = T.yes;
  no.textContent = T.no;
  const show = (v) => {
    yes.setAttribute('aria-pressed', String(v === true));
    no.setAttribute('aria-pressed', String(v === false));
  };
  show(previous);
  for (const [button, value] of [[yes, true], [no, false]]) {
    button.addEventListener('click', async () => {
      try {
        await report({ event: 'helpful', helpful: value });
        show(value);
        status.textContent = T.thanks;
      } catch (err) {
        showError(pageError, err);
      }
    });
  }
}

function markDone(T, progress) {
  if (progress && progress.completedAt) {
    document.getElementById('module-meta').dataset.done = 'true';
    document.getElementById('helpful-status').textContent = document.getElementById('helpful-status').textContent || T.completed;
  }
}

async function main() {
  const params = new URLSearchParams(window.location.search);
  const id = params.get('module') || '';
  const lang = /^[a-z]{2}$/.test(params.get('lang') || '') ? params.get('lang') : null;
  const user = await startPage(['patient', ...CLINICIAN_ROLES]);
  // Clinicians preview what they assign (in the language they pick); only a patient's reading is saved.
  const preview = user.role !== 'patient';
  const T = eduText(preview ? 'en' : user.preferredLanguage);
  document.documentElement.lang = T.lang;
  const back = document.getElementById('back-link');
  back.textContent = preview ? 'Education' : T.back;
  if (preview) back.href = '/assign.html';
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(id)) {
    showError(pageError, 'This reading was not found.');
    return;
  }
  const [{ module: mod }, overview] = await Promise.all([
    api('GET', `/api/v1/education/modules/${encodeURIComponent(id)}${lang ? `?lang=${lang}` : ''}`),
    preview ? { assignments: [] } : api('GET', `/api/v1/patients/${encodeURIComponent(user.id)}/education`),
  ]);
  const assignment = overview.assignments.find((a) => a.moduleId === id);
  if (assignment) progressPath = `/api/v1/patients/${encodeURIComponent(user.id)}/education/assignments/${encodeURIComponent(id)}/progress`;

  document.title = `${mod.title} · Tandem`;
  article.lang = mod.language;
  document.getElementById('module-title').textContent = mod.title;
  document.getElementById('module-meta').textContent = T.minutes(mod.minutes);
  const notice = document.getElementById('fallback-notice');
  if (preview) notice.textContent = `Preview (${mod.language}). Progress and answers are saved only when a patient reads it.`;
  else notice.textContent = mod.fallback ? T.englishOnly : (assignment ? '' : T.notAssigned);
  notice.hidden = !preview && !mod.fallback && !!assignment;
  if (assignment && assignment.note) {
    const note = document.getElementById('module-note');
    note.replaceChildren(h('strong', { text: T.noteFrom(assignment.assignedBy ? assignment.assignedBy.name : '') }), ' ', assignment.note);
    note.hidden = false;
  }
  insertSanitized(body, mod.html);
  article.setAttribute('aria-busy', 'false');

  const check = document.getElementById('check');
  document.getElementById('check-heading').textContent = T.checkHeading;
  document.getElementById('check-submit').textContent = T.sendAnswers;
  document.getElementById('helpful-heading').textContent = T.helpful;
  const previous = assignment ? assignment.progress : { answers: {}, position: 0 };
  saved = previous.position || 0;
  check.lang = mod.language;
  renderCheck(T, mod.check, previous.answers || {});
  wireCheck(T, mod.check);
  wireHelpful(T, previous.helpful);
  check.hidden = false;
  document.getElementById('helpful').hidden = false;
  markDone(T, previous);

  if (assignment) {
    await report({ event: 'opened' });
    restorePosition(saved);
    trackPosition();
    watchEnd(T, (data) => markDone(T, data && data.assignment.progress));
  }
}

main().catch((err) => showError(pageError, err));
