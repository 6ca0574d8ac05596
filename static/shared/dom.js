/* Building the page's elements from data, for the chat widget and the staff console.
 *
 * Text always goes in as text nodes (never innerHTML), so nothing a customer, an agent or
 * the assistant wrote can become markup; the CSP allows no inline styles, so looks are classes.
 */

/** `h("li", { class: "msg", "data-id": 3, text: "Hi" }, child, …)`: null, undefined and false are left out. */
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// "**Standard:**" in a help passage or the LLM's words shows bold, not with its asterisks: a <strong> node.
const BOLD = /\*\*([^*\n]+)\*\*/g;

/** Append `text` to `node` as text nodes, its "**bold**" parts as <strong> (the widget, the console). */
export function appendWithBold(node, text) {
  const words = String(text);
  let at = 0;
  for (const match of words.matchAll(BOLD)) {
    node.append(words.slice(at, match.index), h("strong", { text: match[1] }));
    at = match.index + match[0].length;
  }
  node.append(words.slice(at));
  return node;
}

/** `node`'s text replaced by `text`, its bold parts bold (`appendWithBold`). */
export function setBoldText(node, text) {
  node.textContent = "";
  return appendWithBold(node, text || "");
}

/** A colleague's initials ("Sam" -> "S", "Sam Visser" -> "SV") for their avatar. */
export function initials(name) {
  const words = String(name || "").trim().split(/\s+/).filter(Boolean);
  return (words.slice(0, 2).map((w) => Array.from(w)[0]).join("") || "?").toUpperCase();
}

/** One of six avatar colours (tone-0 … tone-5), the same for the same name in the widget and the console. */
export function tone(name) {
  let sum = 0;
  for (const ch of String(name || "")) sum = (sum * 31 + ch.codePointAt(0)) % 9973;
  return "tone-" + (sum % 6);
}

/** A number the page's server put in a data attribute, or `fallback` when it is missing or not a number. */
export function dataNumber(element, name, fallback) {
  const value = Number(element.dataset[name]);
  return element.dataset[name] && Number.isFinite(value) ? value : fallback;
}
