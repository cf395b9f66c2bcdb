// The Messages panel on the home pages: how many messages are unread, kept current by the live
// connection, and the way into the messages page.
import { api } from './api.js';
import { Live } from './live.js';
import { debounce } from './ui.js';

function unreadText(n) {
  if (n === 0) return 'No unread messages.';
  return n === 1 ? '1 unread message.' : `${n} unread messages.`;
}

/**
 * Fills #messages-unread in the [data-panel="messages"] panel and keeps it up to date. The page's
 * other live panels share its connection: {@code also} receives every event and is called with
 * no event after a reconnect (something may have been missed).
 */
export function startMessagesPanel(user, also = null) {
  const count = document.getElementById('messages-unread');
  if (!count) return;
  let last = null;

  async function refresh() {
    count.setAttribute('aria-busy', 'true');
    try {
      const data = await api('GET', '/api/v1/conversations');
      const n = Math.max(0, Number(data.unread) || 0);
      if (n !== last) {
        count.textContent = unreadText(n);
        count.classList.toggle('unread-line', n > 0);
        last = n;
      }
    } catch {
      if (last === null) count.textContent = 'Unread messages could not be counted.';
    } finally {
      count.setAttribute('aria-busy', 'false');
    }
  }

  const soon = debounce(refresh, 300);
  new Live({
    onEvent: (event) => {
      const fromOthers = event.type === 'message' && event.message && event.message.senderId !== user.id;
      const readElsewhere = event.type === 'receipt' && event.userId === user.id;
      if (fromOthers || readElsewhere) soon();
      if (also) also(event);
    },
    onState: (state, { reconnected } = {}) => {
      if (state === 'open' && reconnected) {
        soon();
        if (also) also(null);
      }
    },
  }).start();
  return refresh();
}
