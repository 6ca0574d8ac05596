/* One live socket to the server (the chat's /ws/chat/, the console's /ws/console/), reconnecting
 * with back-off when the connection drops, for the chat widget and the staff console.
 *
 * The server closes with a code when simply reconnecting would not help (support/sockets.py; the
 * page carries the codes as data attributes, see closeCodes): signed out, or not allowed here, stop
 * it; too many connections from this address waits 10-60 s, with jitter so that many tabs behind
 * one address do not come back at the same moment. Any other close retries after 0.5 s, then
 * twice as long each time up to 15 s, until the page says the connection works (`settled`).
 */

const FIRST_RETRY_MS = 500;
const LONGEST_RETRY_MS = 15000;
const BUSY_FIRST_MS = 10000;
const BUSY_LONGEST_MS = 60000;
const BUSY_JITTER_MS = 5000;

/** The server's close codes, from the page's data attributes (data-close-signed-out, …; filled from
 * support/sockets.py by support/context_processors.py). A page without them only ever retries. */
export function closeCodes(element) {
  return {
    signedOut: Number(element.dataset.closeSignedOut),
    forbidden: Number(element.dataset.closeForbidden),
    tooManyConnections: Number(element.dataset.closeTooManyConnections),
  };
}

/**
 * Opens `path` (plus `query()`, asked again on every attempt) and hands each event to
 * `handlers[event.type]`. `on` hears about the connection: connecting(), open(),
 * stopped(why, code) with why "signed_out" or "forbidden", busy(delayMs), retrying(delayMs).
 * Returns { send(event) -> bool, isOpen(), nudge(), drop(), settled() }.
 */
export function liveSocket({ path, query = () => "", codes, handlers, on = {} }) {
  let socket = null;
  let retryDelay = FIRST_RETRY_MS;
  let busyDelay = 0;
  let stopped = false;
  let retryTimer = null; // the next attempt, while waiting for it
  let waitingBusy = false; // the server said too many connections: a nudge does not shorten that wait
  const call = (name, ...args) => { if (on[name]) on[name](...args); };

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + path + query());
    call("connecting");
    socket.onopen = () => call("open");
    socket.onmessage = (msg) => {
      let event;
      try { event = JSON.parse(msg.data); } catch (err) { return; }
      const handler = handlers[event.type];
      if (handler) handler(event);
    };
    socket.onclose = (e) => {
      if (e.code === codes.signedOut || e.code === codes.forbidden) {
        // The same session gets the same answer: reconnecting would not help.
        stopped = true;
        call("stopped", e.code === codes.signedOut ? "signed_out" : "forbidden", e.code);
        return;
      }
      let delay = retryDelay;
      waitingBusy = e.code === codes.tooManyConnections;
      if (waitingBusy) {
        busyDelay = Math.min(Math.max(busyDelay * 2, BUSY_FIRST_MS), BUSY_LONGEST_MS);
        delay = busyDelay + Math.random() * BUSY_JITTER_MS;
        call("busy", delay);
      } else {
        retryDelay = Math.min(retryDelay * 2, LONGEST_RETRY_MS);
      }
      call("retrying", delay);
      retryTimer = setTimeout(() => { retryTimer = null; connect(); }, delay);
    };
  }

  connect();
  return {
    isOpen() { return !!socket && socket.readyState === WebSocket.OPEN; },
    send(event) {
      if (!this.isOpen()) return false;
      socket.send(JSON.stringify(event));
      return true;
    },
    /** The network is back: the next attempt starts now, not after the back-off grown while it was gone
     * (a socket still trying is closed: it started while the network was down). */
    nudge() {
      if (stopped || waitingBusy || (socket && socket.readyState === WebSocket.OPEN)) return;
      retryDelay = FIRST_RETRY_MS;
      if (retryTimer !== null) {
        clearTimeout(retryTimer);
        retryTimer = null;
        connect();
      } else if (socket && socket.readyState === WebSocket.CONNECTING) {
        try { socket.close(); } catch (err) { /* closed */ } // its onclose retries after FIRST_RETRY_MS
      }
    },
    /** The browser says the network is gone: an open socket may not notice for minutes, so it is closed
     * now (what is sent meanwhile waits in the caller's outbox) and retried with back-off until nudged. */
    drop() {
      if (stopped || !socket || socket.readyState !== WebSocket.OPEN) return;
      // With the network gone the closing handshake can take seconds to give up, and its onclose scheduled the
      // retries: the page showed nothing and tried nothing until then (under load a browser test saw one attempt in
      // 4 s). The old socket is let go at once; the retries with back-off start now.
      const old = socket;
      old.onclose = null;
      old.onmessage = null;
      try { old.close(); } catch (err) { /* closed */ }
      const delay = retryDelay;
      retryDelay = Math.min(retryDelay * 2, LONGEST_RETRY_MS);
      call("retrying", delay);
      retryTimer = setTimeout(() => { retryTimer = null; connect(); }, delay);
    },
    /** Really connected (a refused socket opens, then closes): the next drop retries quickly again. */
    settled() { retryDelay = FIRST_RETRY_MS; busyDelay = 0; },
  };
}
