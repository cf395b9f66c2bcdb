// Messages: conversations, history, composing, live updates, read receipts, crisis resources;
// for clinicians also the inbox of waiting patient threads and urgent safety alerts.
// Message bodies and names only ever reach the page through textContent (ui.js h()).
import { api, ApiError } from './api.js';
import { Live } from './live.js';
import { CLINICIAN_ROLES, startPage } from './session.js';
import { clearError, debounce, formatDateTime, h, roleLabel, showError, whileBusy } from './ui.js';

const MAX_BODY = 4000;
const PAGE = 50;
const CATCH_UP_PAGE = 200;
const NEAR_BOTTOM_PX = 80;
const DEFAULT_RESOURCES = 'If you are thinking about suicide or are in crisis, call or text 988 '
  + '(Suicide & Crisis Lifeline, US, 24/7) or call 911 for an emergency.';

const KIND_LABELS = { patient: 'Patient thread', team: 'Care team only', direct: 'Direct' };
const SLOTS = ['prescriber', 'therapist', 'navigator'];

const $ = (id) => document.getElementById(id);
const pageError = $('page-error');
const liveStatus = $('live-status');
const announcer = $('announcer');
const layout = $('messages-layout');
const conversationList = $('conversation-list');
const conversationsStatus = $('conversations-status');
const inboxPanel = $('inbox-panel');
const inboxList = $('inbox-list');
const inboxStatus = $('inbox-status');
const thread = $('thread');
const threadHeading = $('thread-heading');
const threadMeta = $('thread-meta');
const threadError = $('thread-error');
const backButton = $('back-to-list');
const scroller = $('message-scroll');
const loadOlder = $('load-older');
const threadEmpty = $('thread-empty');
const messageList = $('message-list');
const composeForm = $('compose-form');
const composeBody = $('compose-body');
const composeSend = $('compose-send');
const composeCount = $('compose-count');
const composeCountLive = $('compose-count-live');
const composeError = $('compose-error');
const crisisBanner = $('crisis-banner');
const alertBanner = $('alert-banner');

const state = {
  me: null,
  clinician: false,
  conversations: new Map(), // id -> conversation from GET /conversations (plus live updates)
  openId: null,
  openToken: 0,
  messages: new Map(), // seq -> message, for the open conversation
  minSeq: 0,
  maxSeq: 0,
  loaded: false, // the open conversation's first page has arrived
  othersRead: { seq: 0, userId: null }, // the open conversation's entry of readBy
  readBy: new Map(), // conversationId -> {seq, userId}: furthest read by anyone else, from receipt events
  reportedRead: 0,
  pendingSend: null, // {conversationId, body, clientId}: kept until the server has the message
  sending: false,
  drafts: new Map(), // conversationId -> unsent text
  names: new Map(), // userId -> name, from messages and care teams
  careTeams: new Map(), // patientId -> Promise<CareTeam>
  alerts: new Set(),
  inboxStale: false,
  liveState: 'connecting',
};

let live = null;

/* ---------- Small helpers ---------- */

function path(id, suffix = '') {
  return `/api/v1/conversations/${encodeURIComponent(id)}${suffix}`;
}

/** Per user, so someone else signing in on the same tab never inherits the banner. */
function crisisKey() {
  return `tandem.crisis.${state.me.id}`;
}

/** A client id for an idempotent send. randomUUID needs a secure context; fall back to getRandomValues. */
function newClientId() {
  if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function announce(text) {
  // Clear first so the same words are announced again.
  announcer.textContent = '';
  window.setTimeout(() => {
    announcer.textContent = text;
  }, 50);
}

const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toDateString() === new Date().toDateString() ? timeOnly.format(d) : formatDateTime(iso);
}

function waitedFor(minutes) {
  const m = Math.max(0, Math.round(Number(minutes) || 0));
  if (m < 1) return 'under a minute';
  if (m < 60) return `${m} min`;
  const days = Math.floor(m / (24 * 60));
  const hours = Math.floor((m % (24 * 60)) / 60);
  if (days === 0) return m % 60 ? `${hours} h ${m % 60} min` : `${hours} h`;
  return hours ? `${days} d ${hours} h` : `${days} d`;
}

function targetText(minutes) {
  const m = Math.round(Number(minutes) || 0);
  if (m >= 60 && m % 60 === 0) return m === 60 ? '1 hour' : `${m / 60} hours`;
  return waitedFor(m);
}

/** Remembers where keyboard focus was (by data-focus-key) so a re-render can put it back. */
function rememberFocus(container) {
  const active = document.activeElement;
  return active && container.contains(active) ? active.dataset.focusKey : null;
}

function restoreFocus(container, key) {
  if (!key) return;
  const target = [...container.querySelectorAll('[data-focus-key]')].find((n) => n.dataset.focusKey === key);
  if (!target) return;
  // A control still waiting for its options is enabled a moment later.
  if (target.disabled) window.setTimeout(() => target.focus(), 0);
  else target.focus();
}

/* ---------- Conversation list ---------- */

function unreadTotal() {
  let total = 0;
  for (const c of state.conversations.values()) total += Math.max(0, c.unread || 0);
  return total;
}

function updateTitle() {
  const total = unreadTotal();
  document.title = total > 0 ? `(${total}) Messages · Tandem` : 'Messages · Tandem';
}

function conversationMeta(c) {
  const parts = [];
  if (state.clinician) {
    parts.push(KIND_LABELS[c.kind] || c.kind);
    if (c.kind === 'patient' && c.assigneeName) parts.push(`Assigned to ${c.assigneeName}`);
  }
  parts.push(c.lastMessageAt ? `Last message ${when(c.lastMessageAt)}` : 'No messages yet');
  return parts.join(' · ');
}

function conversationItem(c) {
  const selected = c.id === state.openId;
  const badge = h('span', { class: 'unread-badge', role: 'img' });
  const li = h('li', { dataset: { conversationId: c.id } },
    h('button', {
      type: 'button',
      class: `conversation${selected ? ' selected' : ''}`,
      'aria-current': selected ? 'true' : null,
      dataset: { focusKey: `conversation:${c.id}` },
      onclick: () => openConversation(c.id, { focus: true }),
    },
    h('span', { class: 'conversation-title', text: c.title || 'Conversation' }),
    h('span', { class: 'conversation-meta', text: conversationMeta(c) }),
    badge));
  setBadge(badge, c.unread);
  return li;
}

function setBadge(badge, unread) {
  const n = Math.max(0, unread || 0);
  badge.hidden = n === 0;
  badge.textContent = n > 99 ? '99+' : String(n);
  badge.setAttribute('aria-label', `${n} unread`);
}

function renderConversations() {
  const focusKey = rememberFocus(conversationList);
  const items = [...state.conversations.values()];
  if (!items.length) {
    conversationList.replaceChildren();
    conversationsStatus.textContent = state.clinician
      ? 'No conversations yet. They appear when you are on a patient\'s care team.'
      : 'No conversations yet. Your clinic has not set up your care team.';
  } else {
    conversationsStatus.textContent = '';
    conversationList.replaceChildren(...items.map(conversationItem));
  }
  restoreFocus(conversationList, focusKey);
  updateTitle();
}

/** Updates one conversation's badge in place (no re-render, so focus stays put). */
function updateBadge(id) {
  const c = state.conversations.get(id);
  const li = conversationList.querySelector(`li[data-conversation-id="${CSS.escape(id)}"]`);
  if (c && li) setBadge(li.querySelector('.unread-badge'), c.unread);
  updateTitle();
}

/** Newest activity first, as the server orders it; not while the list has focus (moving would drop it). */
function moveToTop(id, li) {
  if (conversationList.contains(document.activeElement) || conversationList.firstElementChild === li) return;
  conversationList.prepend(li);
  const c = state.conversations.get(id);
  state.conversations.delete(id);
  state.conversations = new Map([[id, c], ...state.conversations]);
}

function markSelected() {
  for (const li of conversationList.querySelectorAll('li[data-conversation-id]')) {
    const button = li.querySelector('button');
    const selected = li.dataset.conversationId === state.openId;
    button.classList.toggle('selected', selected);
    if (selected) button.setAttribute('aria-current', 'true');
    else button.removeAttribute('aria-current');
  }
}

async function loadConversations() {
  conversationList.setAttribute('aria-busy', 'true');
  try {
    const data = await api('GET', '/api/v1/conversations');
    const next = new Map();
    for (const c of data.conversations || []) {
      next.set(c.id, c);
      if (c.patientId && c.patientName) state.names.set(c.patientId, c.patientName);
    }
    // The open, visible conversation is read even if the list has not caught up yet.
    const open = state.openId && next.get(state.openId);
    if (open && state.reportedRead >= (open.lastSeq || 0)) open.unread = 0;
    state.conversations = next;
    renderConversations();
    if (state.openId) updateThreadHeading();
  } catch (err) {
    conversationsStatus.textContent = 'Your conversations could not be loaded.';
    showError(pageError, err);
  } finally {
    conversationList.setAttribute('aria-busy', 'false');
  }
}

const reloadConversations = debounce(loadConversations, 300);

/* ---------- Thread ---------- */

function threadVisible() {
  return state.openId !== null && !thread.hidden && document.visibilityState === 'visible';
}

function updateThreadHeading() {
  const c = state.conversations.get(state.openId);
  threadHeading.textContent = c ? (c.title || 'Conversation') : 'Conversation';
  threadMeta.textContent = c && state.clinician ? KIND_LABELS[c.kind] || '' : '';
}

/** Each conversation keeps its own unsent draft, so words never follow you to another thread. */
function switchDraft(fromId, toId) {
  if (fromId) {
    if (composeBody.value) state.drafts.set(fromId, composeBody.value);
    else state.drafts.delete(fromId);
  }
  composeBody.value = (toId && state.drafts.get(toId)) || '';
  clearError(composeError, [composeBody]);
  updateCount();
}

function showThread(show) {
  thread.hidden = !show;
  layout.classList.toggle('showing-thread', show);
}

function resetThread() {
  state.messages = new Map();
  state.minSeq = 0;
  state.maxSeq = 0;
  state.loaded = false;
  state.othersRead = (state.openId && state.readBy.get(state.openId)) || { seq: 0, userId: null };
  messageList.replaceChildren();
  loadOlder.hidden = true;
  threadEmpty.hidden = true;
  clearError(threadError);
}

async function openConversation(id, { focus = false } = {}) {
  if (id === state.openId && !thread.hidden) {
    if (focus) threadHeading.focus();
    return;
  }
  switchDraft(state.openId, id);
  state.openId = id;
  const token = ++state.openToken;
  const c = state.conversations.get(id);
  state.reportedRead = c ? c.readSeq || 0 : 0;
  resetThread();
  markSelected();
  updateThreadHeading();
  showThread(true);
  const url = new URL(window.location.href);
  url.searchParams.set('conversation', id);
  window.history.replaceState(null, '', url);
  if (focus) threadHeading.focus();

  messageList.setAttribute('aria-busy', 'true');
  threadEmpty.textContent = 'Loading messages…';
  threadEmpty.hidden = false;
  try {
    const data = await api('GET', `${path(id, '/messages')}?limit=${PAGE}`);
    if (token !== state.openToken) return;
    state.loaded = true;
    mergeMessages(data.messages || [], { scroll: 'bottom' });
    composeBody.disabled = false;
    composeSend.disabled = false;
  } catch (err) {
    if (token !== state.openToken) return;
    threadEmpty.hidden = true;
    showError(threadError, err.status === 404 ? 'This conversation is not available to you.' : err);
    composeBody.disabled = err.status === 404;
    composeSend.disabled = err.status === 404;
  } finally {
    if (token === state.openToken) messageList.setAttribute('aria-busy', 'false');
  }
}

function closeConversation() {
  const id = state.openId;
  switchDraft(id, null);
  state.openId = null;
  state.openToken++;
  showThread(false);
  resetThread();
  markSelected();
  const url = new URL(window.location.href);
  url.searchParams.delete('conversation');
  window.history.replaceState(null, '', url);
  const button = id && conversationList.querySelector(`li[data-conversation-id="${CSS.escape(id)}"] button`);
  if (button) button.focus();
}

/** The body to show: the text, or a plain sentence when it cannot be shown. Never raw data. */
function bodyOf(m) {
  if (m.status === 'ok' && typeof m.body === 'string') return { text: m.body, unavailable: false };
  if (m.status === 'erased') return { text: 'This message was erased.', unavailable: true };
  return { text: 'This message could not be verified and is hidden.', unavailable: true };
}

function senderLabel(m) {
  if (m.senderId === state.me.id) return 'You';
  const name = m.senderName || state.names.get(m.senderId) || 'Someone';
  const role = m.senderRole && m.senderRole !== 'patient' ? roleLabel(m.senderRole) : '';
  return role ? `${name} · ${role}` : name;
}

function messageItem(m) {
  const auto = m.kind === 'auto-reply' || m.senderId === 'system';
  const mine = !auto && m.senderId === state.me.id;
  const { text, unavailable } = bodyOf(m);
  const kind = auto ? 'auto' : mine ? 'mine' : 'theirs';
  return h('li', { class: `message ${kind}`, dataset: { seq: String(m.seq), senderId: m.senderId } },
    h('p', { class: 'message-meta' },
      h('span', { class: 'sender', text: auto ? 'Automatic reply' : senderLabel(m) }),
      ' ',
      h('time', { datetime: m.createdAt, text: when(m.createdAt) })),
    h('p', { class: `message-body${unavailable ? ' unavailable' : ''}`, text }),
    m.crisis && state.clinician
      ? h('p', { class: 'message-flag', text: 'Crisis language: the care team was alerted.' }) : null);
}

function nearBottom() {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
}

/**
 * Adds messages to the open conversation in seq order, skipping seqs already shown.
 * scroll: "bottom" (always), "keep" (older page: hold the view), "auto" (follow if at the bottom).
 */
function mergeMessages(messages, { scroll = 'auto' } = {}) {
  const wasNearBottom = nearBottom();
  const fromBottom = scroller.scrollHeight - scroller.scrollTop;
  let added = 0;
  for (const m of messages) {
    if (!m || typeof m.seq !== 'number' || m.conversationId !== state.openId || state.messages.has(m.seq)) continue;
    state.messages.set(m.seq, m);
    if (m.senderId && m.senderName) state.names.set(m.senderId, m.senderName);
    const item = messageItem(m);
    const after = [...messageList.children].reverse().find((li) => Number(li.dataset.seq) < m.seq);
    if (after) after.after(item);
    else messageList.prepend(item);
    state.minSeq = state.minSeq ? Math.min(state.minSeq, m.seq) : m.seq;
    state.maxSeq = Math.max(state.maxSeq, m.seq);
    added++;
  }
  threadEmpty.textContent = state.clinician ? 'No messages yet.' : 'No messages yet. Write to your care team below.';
  threadEmpty.hidden = state.messages.size > 0;
  loadOlder.hidden = !(state.minSeq > 1);
  if (added) {
    renderReceipt();
    const c = state.conversations.get(state.openId);
    if (c) c.lastSeq = Math.max(c.lastSeq || 0, state.maxSeq);
  }
  if (scroll === 'bottom' || (scroll === 'auto' && wasNearBottom)) {
    scroller.scrollTop = scroller.scrollHeight;
  } else if (scroll === 'keep') {
    scroller.scrollTop = scroller.scrollHeight - fromBottom;
  }
  markRead();
  return added;
}

async function loadOlderMessages() {
  const id = state.openId;
  const token = state.openToken;
  if (!id || state.minSeq <= 1) return;
  await whileBusy(loadOlder, 'Loading…', async () => {
    try {
      const data = await api('GET', `${path(id, '/messages')}?before=${state.minSeq}&limit=${PAGE}`);
      if (token !== state.openToken) return;
      const added = mergeMessages(data.messages || [], { scroll: 'keep' });
      announce(added ? `${added} earlier ${added === 1 ? 'message' : 'messages'} loaded.` : 'No earlier messages.');
    } catch (err) {
      if (token === state.openToken) showError(threadError, err);
    }
  });
  if (!loadOlder.hidden) loadOlder.focus();
  else threadHeading.focus();
}

/** The last seq up to which nothing is missing (live events may already be further on). */
function contiguousEnd() {
  let n = state.minSeq;
  if (!n) return 0;
  while (state.messages.has(n + 1)) n++;
  return n;
}

/** Fetches what was missed (after a reconnect or a gap) and merges it by seq. */
async function catchUp() {
  const id = state.openId;
  const token = state.openToken;
  if (!id || !state.loaded) return;
  try {
    for (;;) {
      const after = contiguousEnd();
      const data = await api('GET', `${path(id, '/messages')}?after=${after}&limit=${CATCH_UP_PAGE}`);
      if (token !== state.openToken) return;
      const messages = data.messages || [];
      mergeMessages(messages);
      if (messages.length < CATCH_UP_PAGE && contiguousEnd() >= state.maxSeq) return;
      if (!messages.length) return;
    }
  } catch (err) {
    if (token === state.openToken) showError(threadError, err);
  }
}

/* ---------- Read receipts ---------- */

/** Tells the others how far this user has read, when the conversation is open and on screen. */
async function markRead() {
  const id = state.openId;
  const seq = state.maxSeq;
  if (!threadVisible() || !state.loaded || seq <= state.reportedRead) return;
  const previous = state.reportedRead;
  state.reportedRead = seq;
  const c = state.conversations.get(id);
  if (c) {
    c.unread = 0;
    c.readSeq = Math.max(c.readSeq || 0, seq);
    updateBadge(id);
  }
  try {
    if (live && live.isOpen) {
      await live.request({ type: 'read', conversationId: id, seq });
    } else {
      await api('POST', path(id, '/read'), { seq });
    }
  } catch {
    // Try again with the next message or when the page is shown again.
    if (state.openId === id && state.reportedRead === seq) state.reportedRead = previous;
  }
}

function receiptText(userId) {
  if (!state.clinician) return 'Read by your care team';
  const name = state.names.get(userId);
  return name ? `Read by ${name}` : 'Read';
}

/** "Read" under the newest of my messages that someone else has read. */
function renderReceipt() {
  for (const old of messageList.querySelectorAll('.read-receipt')) old.remove();
  const { seq, userId } = state.othersRead;
  if (!seq) return;
  let target = null;
  for (const li of messageList.querySelectorAll('li.message.mine[data-seq]')) {
    if (Number(li.dataset.seq) <= seq) target = li;
  }
  if (target) target.append(h('p', { class: 'read-receipt', text: receiptText(userId) }));
}

function onReceipt(event) {
  const { conversationId, userId } = event;
  if (typeof event.readSeq !== 'number') return; // delivered receipts are not shown
  if (userId === state.me.id) {
    // Read on another tab or device.
    const c = state.conversations.get(conversationId);
    if (c) {
      c.readSeq = Math.max(c.readSeq || 0, event.readSeq);
      c.unread = Math.max(0, Math.min(c.unread || 0, (c.lastSeq || 0) - c.readSeq));
      updateBadge(conversationId);
    }
    return;
  }
  const known = state.readBy.get(conversationId);
  if (known && event.readSeq <= known.seq) return;
  state.readBy.set(conversationId, { seq: event.readSeq, userId });
  if (conversationId !== state.openId) return;
  state.othersRead = state.readBy.get(conversationId);
  const had = messageList.querySelector('.read-receipt');
  renderReceipt();
  const now = messageList.querySelector('.read-receipt');
  if (now && !had) announce(now.textContent);
}

/* ---------- Live events ---------- */

function onMessage(m) {
  if (!m || typeof m.seq !== 'number' || typeof m.conversationId !== 'string') return;
  const c = state.conversations.get(m.conversationId);
  if (!c) {
    // A conversation this page does not know yet (a new direct thread): fetch the list.
    reloadConversations();
    return;
  }
  const fromMe = m.senderId === state.me.id;
  const lastKnown = c.lastSeq || 0;
  const unseen = !fromMe && m.seq > lastKnown && m.seq > (c.readSeq || 0);
  // Sent from this page: the send's own answer brings the resources. From another device: show them here too.
  if (fromMe && m.crisis && !state.clinician && !state.sending) showCrisis(null);

  if (m.conversationId === state.openId) {
    const gap = state.loaded && state.maxSeq > 0 && m.seq > state.maxSeq + 1;
    const shown = state.messages.has(m.seq);
    mergeMessages([m]);
    if (gap) catchUp();
    if (!shown && !fromMe) {
      announce(`New message from ${m.kind === 'auto-reply' ? 'Tandem' : m.senderName || 'your care team'}.`);
    }
    if (unseen && !threadVisible()) c.unread = (c.unread || 0) + 1;
  } else if (unseen) {
    c.unread = (c.unread || 0) + 1;
    announce(`New message in ${c.title || 'a conversation'}.`);
  }
  c.lastSeq = Math.max(lastKnown, m.seq);
  c.lastMessageAt = m.createdAt || c.lastMessageAt;
  updateBadge(m.conversationId);
  const li = conversationList.querySelector(`li[data-conversation-id="${CSS.escape(m.conversationId)}"]`);
  if (li) {
    li.querySelector('.conversation-meta').textContent = conversationMeta(c);
    moveToTop(m.conversationId, li);
  }
  if (state.clinician && c.kind === 'patient') reloadInbox();
}

function onEvent(event) {
  switch (event.type) {
    case 'message':
      onMessage(event.message);
      break;
    case 'receipt':
      onReceipt(event);
      break;
    case 'safety.alert':
      if (state.clinician) showAlert(event.alert);
      break;
    case 'inbox.assigned':
      if (state.clinician) {
        reloadInbox();
        reloadConversations();
      }
      break;
    default:
      break;
  }
}

function onLiveState(next, { reconnected } = {}) {
  const previous = state.liveState;
  state.liveState = next;
  liveStatus.dataset.state = next;
  if (next === 'reconnecting' && previous !== 'reconnecting') {
    liveStatus.textContent = 'Reconnecting…';
  } else if (next === 'open') {
    liveStatus.textContent = reconnected ? 'Connected again.' : '';
    if (reconnected) {
      // Events are flowing again; fetch what happened while the socket was down.
      catchUp();
      loadConversations();
      if (state.clinician) loadInbox();
      window.setTimeout(() => {
        if (state.liveState === 'open' && liveStatus.textContent === 'Connected again.') liveStatus.textContent = '';
      }, 5000);
    }
  }
}

/* ---------- Sending ---------- */

function updateCount() {
  const used = composeBody.value.length;
  const left = MAX_BODY - used;
  composeCount.textContent = `${used} / ${MAX_BODY}`;
  composeCount.classList.toggle('near-limit', left <= 200);
  // Only near the limit is the count worth announcing.
  const message = left <= 0 ? 'Message is at the 4000 character limit.'
    : left <= 100 ? `${left} characters left.` : '';
  if (message && (left <= 0 || left % 25 === 0)) composeCountLive.textContent = message;
  if (!message) composeCountLive.textContent = '';
}

async function deliver(p) {
  const frame = { type: 'send', conversationId: p.conversationId, clientId: p.clientId, body: p.body };
  if (live && live.isOpen) {
    try {
      return await live.request(frame);
    } catch (err) {
      // Refused by the server: final. Lost or timed out: the same clientId over HTTP cannot duplicate it.
      if (!(err instanceof ApiError) || err.status !== 0) throw err;
    }
  }
  return api('POST', path(p.conversationId, '/messages'), { clientId: p.clientId, body: p.body });
}

async function send() {
  if (state.sending || !state.openId) return;
  const text = composeBody.value.trim();
  clearError(composeError, [composeBody]);
  if (!text) {
    showError(composeError, 'Write a message first.', [composeBody]);
    composeBody.focus();
    return;
  }
  if (text.length > MAX_BODY) {
    showError(composeError, `Messages can be at most ${MAX_BODY} characters.`, [composeBody]);
    composeBody.focus();
    return;
  }
  // A retry of the same words keeps its clientId, so the server stores it once.
  let p = state.pendingSend;
  if (!p || p.conversationId !== state.openId || p.body !== text) {
    p = { conversationId: state.openId, body: text, clientId: newClientId() };
    state.pendingSend = p;
  }
  state.sending = true;
  try {
    const result = await whileBusy(composeSend, 'Sending…', () => deliver(p));
    if (state.pendingSend === p) state.pendingSend = null;
    if (state.openId === p.conversationId && composeBody.value.trim() === text) composeBody.value = '';
    else if ((state.drafts.get(p.conversationId) || '').trim() === text) state.drafts.delete(p.conversationId);
    updateCount();
    onSent(p.conversationId, result || {});
  } catch (err) {
    const retry = err.status === 0 || err.status >= 500 || err.status === 429;
    showError(composeError, retry ? `Not sent yet. ${err.message} Press Send to try again.` : err, [composeBody]);
  } finally {
    state.sending = false;
    if (document.activeElement === document.body || document.activeElement === composeSend) composeBody.focus();
  }
}

function onSent(conversationId, result) {
  const { message, autoReply, crisis } = result;
  if (crisis || (message && message.crisis && !state.clinician)) showCrisis(crisis || null);
  if (conversationId !== state.openId) return;
  mergeMessages([message, autoReply].filter(Boolean), { scroll: 'bottom' });
}

/* ---------- Crisis and safety alerts ---------- */

/** The crisis banner stays for the rest of this tab's session, even across a reload. */
function showCrisis(crisis) {
  let info = crisis;
  if (!info) {
    try {
      info = JSON.parse(window.sessionStorage.getItem(crisisKey()) || 'null');
    } catch {
      info = null;
    }
  }
  info = {
    message: (info && info.message) || 'Your care team has been alerted. If you are in danger, use the crisis line now.',
    resources: (info && info.resources) || DEFAULT_RESOURCES,
  };
  try {
    window.sessionStorage.setItem(crisisKey(), JSON.stringify(info));
  } catch {
    // Private mode: the banner still shows on this page.
  }
  const first = crisisBanner.childElementCount === 0;
  crisisBanner.replaceChildren(
    h('h2', { text: 'Help is available right now' }),
    h('p', { class: 'crisis-message', text: info.message }),
    h('p', { text: info.resources }),
    h('p', { class: 'crisis-actions' },
      h('a', { class: 'button crisis-call', href: 'tel:988', text: 'Call 988' }),
      h('a', { class: 'button secondary-link', href: 'sms:988', text: 'Text 988' }),
      h('a', { class: 'button secondary-link', href: 'tel:911', text: 'Call 911' })),
  );
  if (first) crisisBanner.scrollIntoView({ block: 'start' });
}

function showAlert(alert) {
  if (!alert || state.alerts.has(alert.id)) return;
  state.alerts.add(alert.id);
  const name = alert.patientName || 'A patient';
  const open = alert.conversationId
    ? h('button', {
      type: 'button',
      class: 'danger',
      text: `Open ${name}'s conversation`,
      onclick: () => openConversation(alert.conversationId, { focus: true }),
    }) : null;
  const item = h('div', { class: 'alert-item', dataset: { alertId: alert.id || '' } },
    h('h2', { text: `Urgent: ${name} may be in crisis` }),
    h('p', { text: `${name} ${alert.source === 'checkin' ? 'gave a check-in answer that needs attention' : 'sent a message with crisis language'}${alert.createdAt ? ` at ${when(alert.createdAt)}` : ''}. `
      + 'Review it and follow your clinic\'s safety protocol now.' }),
    open);
  alertBanner.prepend(item);
  alertBanner.scrollIntoView({ block: 'start' });
}

/* ---------- Inbox (clinicians) ---------- */

function careTeam(patientId) {
  if (!state.careTeams.has(patientId)) {
    const p = api('GET', `/api/v1/patients/${encodeURIComponent(patientId)}/care-team`)
      .then((data) => data.careTeam || {});
    p.catch(() => state.careTeams.delete(patientId));
    state.careTeams.set(patientId, p);
  }
  return state.careTeams.get(patientId);
}

function inboxItem(item) {
  const id = item.conversationId;
  const selectId = `assign-${id}`;
  const select = h('select', { id: selectId, disabled: true, dataset: { focusKey: `assign-select:${id}` } },
    h('option', { value: '', text: 'Loading care team…' }));
  const assign = h('button', {
    type: 'button',
    class: 'secondary',
    text: 'Assign',
    disabled: true,
    'aria-describedby': `inbox-who-${id}`,
    dataset: { focusKey: `assign-button:${id}` },
    onclick: (e) => assignThread(item, select, e.currentTarget),
  });
  careTeam(item.patientId).then((team) => {
    const options = [];
    if (!item.assigneeId) options.push(h('option', { value: '', text: 'Not assigned' }));
    for (const slot of SLOTS) {
      const member = team[slot];
      if (!member) continue;
      state.names.set(member.id, member.name);
      options.push(h('option', {
        value: member.id,
        selected: member.id === item.assigneeId,
        text: `${member.name} (${roleLabel(member.role || slot)})${member.id === state.me.id ? ' – you' : ''}`,
      }));
    }
    select.replaceChildren(...options);
    select.disabled = false;
    assign.disabled = false;
  }).catch(() => {
    select.replaceChildren(h('option', { value: '', text: 'Care team unavailable' }));
  });

  const who = `inbox-who-${id}`;
  return h('li', { class: `inbox-item${item.overdue ? ' overdue' : ''}`, dataset: { conversationId: id } },
    h('p', { class: 'inbox-who', id: who },
      h('button', {
        type: 'button',
        class: 'link',
        text: item.patientName || 'Patient',
        dataset: { focusKey: `inbox-open:${id}` },
        onclick: () => openConversation(id, { focus: true }),
      }),
      item.overdue ? h('span', { class: 'badge overdue', text: 'Overdue' }) : null),
    h('p', { class: 'small muted', text: `Waiting ${waitedFor(item.waitingMinutes)} · `
      + (item.assigneeName ? `Assigned to ${item.assigneeName}` : 'Not assigned') }),
    h('div', { class: 'assign-row' },
      h('label', { for: selectId, text: 'Assign to' }),
      h('div', { class: 'copy-row' }, select, assign)));
}

/**
 * Reloads the inbox. A live refresh waits while keyboard focus is inside it (someone choosing an
 * assignee keeps their place) and happens when focus leaves; force is for the user's own change.
 */
async function loadInbox({ force = false } = {}) {
  if (!force && inboxList.contains(document.activeElement)) {
    state.inboxStale = true;
    return;
  }
  state.inboxStale = false;
  inboxList.setAttribute('aria-busy', 'true');
  try {
    const data = await api('GET', '/api/v1/inbox');
    const items = data.items || [];
    const focusKey = rememberFocus(inboxList);
    inboxList.replaceChildren(...items.map(inboxItem));
    restoreFocus(inboxList, focusKey);
    const overdue = items.filter((i) => i.overdue).length;
    const target = data.responseTargetMinutes ? ` Reply target: ${targetText(data.responseTargetMinutes)}.` : '';
    $('inbox-summary').textContent = items.length
      ? `${items.length} waiting for a reply, oldest first${overdue ? `; ${overdue} overdue` : ''}.${target}`
      : 'No patient is waiting for a reply.';
  } catch (err) {
    $('inbox-summary').textContent = 'The inbox could not be loaded.';
    showError(pageError, err);
  } finally {
    inboxList.setAttribute('aria-busy', 'false');
  }
}

const reloadInbox = debounce(loadInbox, 300);

async function assignThread(item, select, button) {
  const userId = select.value;
  inboxStatus.textContent = '';
  if (!userId) {
    inboxStatus.textContent = 'Choose a person to assign.';
    select.focus();
    return;
  }
  try {
    await whileBusy(button, 'Assigning…', () => api('PUT', path(item.conversationId, '/assignee'), { userId }));
    inboxStatus.textContent = `${item.patientName || 'The thread'} is assigned to ${state.names.get(userId) || 'them'}.`;
    loadInbox({ force: true });
    reloadConversations();
  } catch (err) {
    inboxStatus.textContent = `Could not assign: ${err.message}`;
  }
}

/* ---------- Wiring ---------- */

composeForm.addEventListener('submit', (event) => {
  event.preventDefault();
  send();
});

composeBody.addEventListener('keydown', (event) => {
  // Enter sends; Shift+Enter (and Enter while composing with an input method) makes a new line.
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && !event.altKey && !event.ctrlKey && !event.metaKey) {
    event.preventDefault();
    send();
  }
});

composeBody.addEventListener('input', () => {
  updateCount();
  if (composeBody.getAttribute('aria-invalid') === 'true' && composeBody.value.trim()) {
    clearError(composeError, [composeBody]);
  }
});

loadOlder.addEventListener('click', loadOlderMessages);
inboxList.addEventListener('focusout', (event) => {
  if (state.inboxStale && !inboxList.contains(event.relatedTarget)) reloadInbox();
});
backButton.addEventListener('click', closeConversation);

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') markRead();
});

async function main() {
  const user = await startPage(['patient', ...CLINICIAN_ROLES]);
  state.me = user;
  state.clinician = CLINICIAN_ROLES.includes(user.role);
  state.names.set(user.id, user.name);
  document.body.dataset.role = state.clinician ? 'clinician' : 'patient';
  $('page-lead').textContent = state.clinician
    ? 'Your patients\' threads, care-team threads and direct messages.'
    : 'Write to your care team between visits. They reply during clinic hours.';
  $('compose-label').textContent = state.clinician ? 'Message' : 'Message to your care team';
  $('patient-note').hidden = state.clinician;
  inboxPanel.hidden = !state.clinician;
  updateCount();

  if (!state.clinician) {
    try {
      if (window.sessionStorage.getItem(crisisKey())) showCrisis(null);
    } catch {
      // No storage: nothing to restore.
    }
  }

  // Open the socket first so nothing sent while the page loads is missed; history merges by seq.
  live = new Live({ onEvent, onState: onLiveState }).start();
  const inbox = state.clinician ? loadInbox() : Promise.resolve();
  await loadConversations();
  const wanted = new URL(window.location.href).searchParams.get('conversation');
  if (wanted) {
    openConversation(wanted);
  } else if (!state.clinician && state.conversations.size === 1) {
    openConversation(state.conversations.keys().next().value);
  }
  await inbox;
}

main().catch((err) => showError(pageError, err));
