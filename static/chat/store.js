/* What the chat widget keeps in the browser's storage between pages and reloads. */

const OUTBOX = "shoppe.chat.outbox";
const RATINGS = "shoppe.chat.ratings";
const OWNER = "shoppe.chat.owner";

// Messages the customer sent that the server has not acknowledged yet (`message.saved`).
export const outbox = {
  all() { try { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return []; } },
  save(items) { localStorage.setItem(OUTBOX, JSON.stringify(items)); },
  add(item) { const items = this.all(); items.push(item); this.save(items); },
  remove(clientId) { this.save(this.all().filter((m) => m.client_id !== clientId)); },
};

// Whose unsent messages, draft and followed conversation this browser keeps: `owner` is the page's (a signed-in
// customer's tag, "" for a visitor). What another customer left is dropped, never sent or shown as this person's
// (alice's unsent message went out as a visitor's after she signed out, her draft showed in dan's chat); a visitor's
// is kept when they sign in. `keys`: {local: [...], session: [...]}, the other storage keys that hold them.
export function keepOnlyOwn(owner, keys) {
  try {
    const previous = localStorage.getItem(OWNER);
    if (previous && previous !== owner) {
      for (const key of [OUTBOX, ...keys.local]) localStorage.removeItem(key);
      for (const key of keys.session) sessionStorage.removeItem(key);
    }
    localStorage.setItem(OWNER, owner);
  } catch (e) { /* storage off: nothing kept to drop */ }
}

// The customer's own ratings, so a reload shows which thumb they pressed.
export const ratings = {
  all() { try { return JSON.parse(localStorage.getItem(RATINGS) || "{}"); } catch (e) { return {}; } },
  get(key) { return this.all()[key]; },
  set(key, score) {
    const items = this.all();
    delete items[key];
    items[key] = score;
    const keys = Object.keys(items);
    for (const old of keys.slice(0, Math.max(0, keys.length - 200))) delete items[old];
    try { localStorage.setItem(RATINGS, JSON.stringify(items)); } catch (e) { /* storage full: not needed */ }
  },
};

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
    (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16));
}
