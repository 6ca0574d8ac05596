/* The chat's help answers on the customer's own device (issue #19).
 *
 * The assistant (./device/assistant.js) is loaded lazily, when the page is idle after the chat
 * connected, and only for the model version the server takes answers from (the `history` event's
 * `device.version`); a different version, a device that is not up to it or any failure leaves
 * every message to the server, silently. The widget reports once per page load what happened
 * (`device.status`: ready with its load time, or the fallback and why), for ops.
 *
 * `answer(text)` is the device's decision for a message: null (the server decides) or what the
 * widget shows at once and sends with the message: the passage id and version, never the text,
 * which the server renders from its own help centre. Only help-centre languages are answered here:
 * the server answers Italian, Polish and Portuguese customers (with its LLM where it can).
 */
import { gettext } from "./i18n.js";

const HELP_LANGUAGES = ["en", "nl", "de", "fr", "es"];

export function deviceTier({ manifestUrl, language, report }) {
  let assistant = null;
  let loading = null;
  let serverVersion = null;
  let reported = false;

  function tell(status) {
    if (reported) return;
    reported = true;
    report(status);
  }

  async function load() {
    let result;
    try {
      const { deviceAssistantLoad } = await import("./device/assistant.js");
      result = await deviceAssistantLoad({ manifestUrl, serverVersion });
    } catch (error) {
      result = { assistant: null, reason: "error" };
    }
    assistant = result.assistant;
    if (assistant) tell({ state: "ready", version: assistant.version, load_ms: Math.round(assistant.loadMs * 10) / 10 });
    else tell({ state: "fallback", reason: result.reason || "error", version: "", load_ms: null });
  }

  function whenIdle(work) {
    if (window.requestIdleCallback) window.requestIdleCallback(work, { timeout: 5000 });
    else setTimeout(work, 1000);
  }

  return {
    // From every `history` event: the version the server takes. A new one replaces the loaded assistant.
    serverSays(version) {
      if (!version) { assistant = null; serverVersion = null; return; }
      if (version === serverVersion && (assistant || loading)) return;
      if (serverVersion) reported = false; // the server's model changed: the new one is reported too
      serverVersion = version;
      assistant = null;
      loading = new Promise((done) => whenIdle(() => load().finally(done)));
    },
    answer(text) {
      if (!assistant) return null;
      try {
        const found = assistant.answer(text, language);
        if (!found || !HELP_LANGUAGES.includes(found.language) || found.version !== serverVersion) return null;
        return found;
      } catch (error) {
        return null; // the server answers
      }
    },
  };
}

// What the server receives with the message: ids and figures, never the passage's text.
export function deviceFrame(found) {
  return { version: found.version, passage_id: found.passage_id, language: found.language, intent: found.intent,
    confidence: found.confidence, decision_ms: found.decision_ms };
}

// What the server says of an answer the device showed: saved (it gets its reply id, and can be rated;
// another tab of the customer's draws it), or refused (an old model, staff on the chat): the server's follows.
export function deviceAnswerEvents({ log, deviceBubble, setTyping, rated }) {
  const shown = (clientId) => log.querySelector(`[data-device-client-id="${CSS.escape(clientId)}"]`);
  return {
    "device.answer.saved"(e) {
      const li = shown(e.client_id) || log.querySelector(`[data-reply-id="${Number(e.reply_id)}"]`)
        || deviceBubble(e.client_id, { text: e.text || gettext("(kept on your device)"), ...(e.sources[0] || {}) });
      if (li.dataset.replyId) return; // a resend's acknowledgement
      li.dataset.replyId = e.reply_id;
      rated(li);
    },
    "device.answer.refused"(e) {
      const li = shown(e.client_id);
      if (li) li.remove();
      setTyping(true);
    },
  };
}
