/* The chat's browser session, asked for when the visitor first opens the chat.
 *
 * Page views make no session (see support/chat_session.py); an anonymous conversation
 * belongs to one, and the chat socket cannot set the cookie itself. Resolves (also when
 * the request fails: the socket then still works, only without surviving a reload).
 */
(function () {
  "use strict";
  let opened = null;
  window.shoppeChatSession = function (root) {
    if (!opened) {
      opened = fetch(root.dataset.sessionUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": root.dataset.csrfToken },
      }).catch(() => null);
    }
    return opened;
  };
})();
