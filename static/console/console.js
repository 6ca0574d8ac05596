/* Example Shoppe staff console.
 *
 * Everything goes over one socket, /ws/console/: the server sends the queue on connect
 * and live handoff changes after; opening a conversation (`conversation.open`) returns
 * its detail and subscribes this socket to that conversation's live events. Every
 * action (claim, reply, note, transfer, resolve, refund decisions and filing) is a socket event;
 * the server checks permissions, the UI only hides what cannot apply. An agent works
 * (answers, transfers, resolves, decides refunds in) the conversations they claimed; a
 * supervisor may step into any.
 *
 * The socket closes with a code when the sign-in no longer holds (signed out, password
 * changed, role removed) and when the user may not use the console: then the console stops
 * reconnecting and says so (static/shared/socket.js, with the codes from the page).
 *
 * The parts: page.js (who may do what, the elements, the state, small helpers), queue.js
 * (the queue and the refunds awaiting a supervisor), conversation.js (the open conversation
 * and its transcript), refunds.js (its notes and refunds), refund_file.js (filing a refund agreed
 * in the chat), controls.js (the actions) and handlers.js (the server's events).
 */
import { closeCodes, liveSocket } from "../shared/socket.js";
import { updateControls } from "./controls.js";
import { handlers } from "./handlers.js";
import { body, el, send, showAlert, state } from "./page.js";
import { renderQueue } from "./queue.js";
import { renderRefunds } from "./refunds.js";
import { replyCheckOnReconnect } from "./reply_confirm.js";

function setConnection(stateName, text) {
  el.connection.dataset.state = stateName;
  el.connection.textContent = text;
}

function connect() {
  state.socket = liveSocket({
    // Live once the server's first event (the queue) arrives: a refused socket (too many connections)
    // opens, then closes, and must keep backing off.
    path: body.dataset.wsPath, codes: closeCodes(body),
    handlers: { ...handlers, queue(e) { state.socket.settled(); setConnection("online", "Live"); handlers.queue(e); } },
    on: {
      connecting() { setConnection("connecting", "Connecting…"); },
      open() {
        replyCheckOnReconnect();
        if (state.current) send({ type: "conversation.open", conversation_id: state.current.conversation_id });
      },
      stopped(why) {
        if (why === "forbidden") {
          setConnection("offline", "Not allowed");
          showAlert("Your account may not use the console. Sign in again as staff.");
          return;
        }
        // Reconnecting would not help: the session no longer speaks for this user.
        setConnection("offline", "Signed out");
        showAlert("You were signed out, your password changed or your role was removed. Sign in again to continue.");
      },
      busy() { showAlert("Too many connections from your network just now; trying again shortly."); },
      retrying() { setConnection("offline", "Reconnecting…"); },
    },
  });
}

renderQueue();
renderRefunds();
updateControls();
connect();
// The browser says the network went or came back (a laptop waking, another Wi-Fi): an open socket may not
// notice for minutes, while the console says "Live" and replies go nowhere.
window.addEventListener("offline", () => { if (state.socket) state.socket.drop(); });
window.addEventListener("online", () => { if (state.socket) state.socket.nudge(); });
