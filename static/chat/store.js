/* What the chat widget keeps in the browser's storage between pages and reloads. */

const OUTBOX = "shoppe.chat.outbox";
const RATINGS = "shoppe.chat.ratings";

// Messages the customer sent that the server has not acknowledged yet (`message.saved`).
export const outbox = {
  all() { try { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return []; } },
  save(items) { localStorage.setItem(OUTBOX, JSON.stringify(items)); },
  add(item) { const items = this.all(); items.push(item); this.save(items); },
  remove(clientId) { this.save(this.all().filter((m) => m.client_id !== clientId)); },
};

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
