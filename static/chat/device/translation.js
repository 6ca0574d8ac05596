/* Help answers translated on the customer's device, where the browser has a built-in Translator
   (issue #19): the help centre is written in English, Dutch, German, French and Spanish, so an
   Italian, Polish or Portuguese customer's help question is answered on the device only when the
   browser can translate the English passage itself. Everywhere else (Debian's Chromium, Firefox,
   Safari, a language pair the browser has not downloaded) the server answers them, with its LLM
   where it can. Never required, never a download: only a pair the browser reports "available" is
   used ("downloadable" would fetch a model on the customer's connection without asking).

   deviceTranslators(api) -> {prepare(language), ready(language), translate(language, text)}
     api: the browser's Translator (globalThis.Translator), or a stand-in with the same two calls. */

export const TRANSLATED_LANGUAGES = ["it", "pl", "pt"];
const SOURCE = "en";

export function deviceTranslators(api = globalThis.Translator) {
  const translators = new Map(); // language -> a translator from English, once created
  const asked = new Map(); // language -> the pending or settled preparation (asked once per page)

  async function create(language) {
    if (!api || typeof api.availability !== "function" || typeof api.create !== "function") return null;
    const options = { sourceLanguage: SOURCE, targetLanguage: language };
    if ((await api.availability(options)) !== "available") return null;
    const translator = await api.create(options);
    translators.set(language, translator);
    return translator;
  }

  return {
    // Ask the browser once for a translator into `language`; resolves to it or null. Never throws.
    prepare(language) {
      if (!TRANSLATED_LANGUAGES.includes(language)) return Promise.resolve(null);
      if (!asked.has(language)) asked.set(language, create(language).catch(() => null));
      return asked.get(language);
    },
    // The translator into `language` if one is ready now (the decision stays synchronous).
    ready(language) {
      return translators.get(language) || null;
    },
    // `text` in `language`; rejects when the browser cannot (the server then answers).
    async translate(language, text) {
      const translator = translators.get(language);
      if (!translator) throw new Error(`no translator into ${language}`);
      const translated = await translator.translate(text);
      if (typeof translated !== "string" || !translated.trim()) throw new Error("empty translation");
      return translated;
    },
  };
}
