/* The widget's device tier (static/chat/on_device.js, with the real static/chat/device/ assistant)
 * run in Node against a live site, for tests/test_device_widget_node.py where no browser is installed.
 *
 * Node is not a browser: the few globals the modules read (window, document, navigator,
 * localStorage, location, requestIdleCallback) are given plain values here, and fetch resolves the
 * site's relative URLs. Everything the modules do (capability checks, the manifest, the model,
 * the passages, the decision) runs as written.
 *
 * argv: base URL, the server's device version (from the socket's hello), JSON list of messages,
 *       JSON object of navigator properties (e.g. {"connection": {"saveData": true}}), and optionally
 *       a stand-in for Chrome's built-in Translator, which neither Node nor Debian's Chromium has:
 *       {"availability": "available" | "downloadable" | "unavailable", "fails": bool}; it "translates"
 *       by tagging the text ("[it] ..."), and records what it was asked (`translator` in stdout);
 *       and optionally the page's language (default "en").
 * stdout: {"status": <the device.status the widget reports>, "answers": [null | {frame, passage}], "translator"}.
 */
const [base, serverVersion, messages, navigatorProps, translatorSpec, pageLanguage = "en"] = process.argv.slice(2);
const asked = { availability: [], create: [], translate: [] };
if (translatorSpec) {
  const spec = JSON.parse(translatorSpec);
  globalThis.Translator = {
    async availability(options) { asked.availability.push(options); return spec.availability; },
    async create(options) {
      asked.create.push(options);
      return { async translate(text) {
        asked.translate.push(text);
        if (spec.fails) throw new Error("the translation model crashed");
        return `[${options.targetLanguage}] ${text}`;
      } };
    },
  };
}
const store = new Map();
Object.assign(globalThis, {
  window: globalThis, self: globalThis,
  document: { getElementById: () => null, documentElement: { lang: pageLanguage } },
  localStorage: { getItem: (k) => (store.has(k) ? store.get(k) : null), setItem: (k, v) => store.set(k, String(v)),
    removeItem: (k) => store.delete(k) },
  location: { href: base + "/" },
  requestIdleCallback: (work) => setTimeout(work, 0),
});
Object.defineProperty(globalThis, "navigator", { value: JSON.parse(navigatorProps || "{}"), configurable: true });
const nodeFetch = globalThis.fetch;
globalThis.fetch = (url, options) => nodeFetch(new URL(url, base + "/").href, options);

const root = new URL("../../static/chat/", import.meta.url);
const { deviceTier, deviceFrame } = await import(new URL("on_device.js", root).href);
const status = await new Promise((report) => {
  const tier = deviceTier({ manifestUrl: "/assistant/device/manifest.json", language: pageLanguage, report });
  tier.serverSays(serverVersion);
  globalThis.tier = tier;
});
await new Promise((settled) => setTimeout(settled, 50)); // the translators the browser's languages asked for
const answers = [];
for (const text of JSON.parse(messages)) {
  let found = globalThis.tier.answer(text);
  if (found && found.translate) found = await globalThis.tier.translated(found).catch(() => null);
  answers.push(found ? { frame: deviceFrame(found), passage: found.passage } : null);
}
process.stdout.write(JSON.stringify({ status, answers, translator: asked }));
