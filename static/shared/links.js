/* Links to what the assistant quoted (its sources), for the chat widget and the staff console.
 *
 * A source's address comes from the knowledge base, not from this page: only http(s) addresses
 * and paths on this site become links; anything else (javascript:, data:, …) is shown as its
 * title in plain text, never as something to click.
 */
import { h } from "./dom.js";

const SCHEME = /^\s*[a-z][a-z0-9+.-]*:/i;

/** `url` when it is safe to follow: an http(s) address, or a path on this site ("/help/returns/",
 * never "//elsewhere.example"); otherwise null. */
export function safeUrl(url) {
  const text = String(url || "");
  try {
    const parsed = new URL(text, location.href);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
    return SCHEME.test(text) || parsed.origin === location.origin ? text : null;
  } catch (e) {
    return null;
  }
}

/** The list of `sources` ({title, url}) or null when there are none.
 * `label` names the list for screen readers; `newTab` opens the links in a new tab (the console). */
export function sourceLinks(sources, { className, label, newTab = false }) {
  if (!sources || !sources.length) return null;
  const list = h("ul", { class: className, "aria-label": label });
  for (const s of sources) {
    const href = safeUrl(s.url);
    const title = s.title || s.url;
    list.append(h("li", null, href
      ? h("a", { href, target: newTab ? "_blank" : null, rel: newTab ? "noopener" : null, text: title })
      : h("span", { text: title })));
  }
  return list;
}
