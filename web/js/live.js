// The live connection: one WebSocket to /api/v1/live (the session cookie authenticates it).
// Reconnects with exponential backoff; requests carry a ref and settle on the reply that
// echoes it. Events flow to onEvent; connection changes to onState.
import { api, ApiError } from './api.js';

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;
const PING_EVERY_MS = 25000;
const REPLY_TIMEOUT_MS = 10000;
const SESSION_ENDED = 4401;

function liveUrl() {
  return (window.location.protocol === 'https:' ? 'wss://' : 'ws://') + window.location.host + '/api/v1/live';
}

function notConnected() {
  return new ApiError(0, 'network_error', 'The live connection is not open.');
}

/**
 * States passed to onState(state, info): "connecting" (first try), "open" (the server said
 * hello, so no event is missed from here on; info.reconnected is true after a drop),
 * "reconnecting" (lost, waiting to try again).
 */
export class Live {
  constructor({ onEvent = () => {}, onState = () => {} } = {}) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.ws = null;
    this.ready = false;
    this.everOpen = false;
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.nextRef = 1;
    this.pending = new Map();
  }

  start() {
    window.addEventListener('online', () => {
      if (!this.ws) this.reconnectNow();
    });
    this.connect();
    return this;
  }

  /** True once the server said hello on the current socket. */
  get isOpen() {
    return this.ready && this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a frame and resolves with the reply carrying its ref; rejects with an ApiError. */
  request(frame, timeoutMs = REPLY_TIMEOUT_MS) {
    if (!this.isOpen) return Promise.reject(notConnected());
    const ref = `r${this.nextRef++}`;
    return new Promise((resolve, reject) => {
      const timer = window.setTimeout(() => {
        this.pending.delete(ref);
        reject(new ApiError(0, 'timeout', 'The live connection did not answer in time.'));
      }, timeoutMs);
      this.pending.set(ref, { resolve, reject, timer });
      try {
        this.ws.send(JSON.stringify({ ...frame, ref }));
      } catch {
        window.clearTimeout(timer);
        this.pending.delete(ref);
        reject(notConnected());
      }
    });
  }

  connect() {
    this.ready = false;
    this.onState(this.everOpen ? 'reconnecting' : 'connecting', {});
    let ws;
    try {
      ws = new WebSocket(liveUrl());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.addEventListener('message', (e) => this.receive(e.data));
    ws.addEventListener('close', (e) => {
      if (this.ws === ws) this.lost(e.code);
    });
  }

  receive(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (!frame || typeof frame !== 'object') return;
    if (frame.type === 'hello') {
      const reconnected = this.everOpen;
      this.ready = true;
      this.everOpen = true;
      this.attempt = 0;
      this.startPings();
      this.onState('open', { reconnected });
      return;
    }
    const waiting = frame.ref !== undefined && frame.ref !== null ? this.pending.get(frame.ref) : null;
    if (waiting) {
      this.pending.delete(frame.ref);
      window.clearTimeout(waiting.timer);
      if (frame.type === 'error') {
        const error = frame.error || {};
        waiting.reject(new ApiError(400, error.code || 'error', error.message || 'The request could not be completed.'));
      } else {
        waiting.resolve(frame);
      }
      return;
    }
    this.onEvent(frame);
  }

  startPings() {
    window.clearInterval(this.pingTimer);
    this.pingTimer = window.setInterval(() => {
      // A socket that stops answering is dead even if the browser has not noticed yet.
      if (this.isOpen) this.request({ type: 'ping' }).catch(() => this.drop());
    }, PING_EVERY_MS);
  }

  /** Gives up on the current socket at once and starts reconnecting. */
  drop() {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null;
    try {
      ws.close();
    } catch {
      // Already closing.
    }
    this.lost(0);
  }

  lost(code) {
    this.ws = null;
    this.ready = false;
    window.clearInterval(this.pingTimer);
    for (const { reject, timer } of this.pending.values()) {
      window.clearTimeout(timer);
      reject(notConnected());
    }
    this.pending.clear();
    // The session ended: check at once, so the sign-in check before the next try sends them to sign in.
    if (code === SESSION_ENDED) this.attempt = 0;
    this.onState('reconnecting', {});
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    window.clearTimeout(this.retryTimer);
    const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.attempt);
    const delay = Math.round(base * (0.5 + Math.random() / 2));
    this.attempt = Math.min(this.attempt + 1, 10);
    this.retryTimer = window.setTimeout(() => this.reconnectNow(), delay);
  }

  async reconnectNow() {
    window.clearTimeout(this.retryTimer);
    try {
      // An ended session cannot open a socket; this sends the user to sign in (api handles 401).
      await api('GET', '/api/v1/me');
    } catch {
      // Offline or the server is restarting: keep trying.
    }
    if (!this.ws) this.connect();
  }
}
