/* The server's rule for messages about another company or public service, on the device: the same as
   rag/device/elsewhere.py (ASCII-only matching, the patterns and word lists from the model's file).
   "delete my Twitter account" is the server's off-topic question, not the shop's help question. Other
   organisations' names ("mijn Zalando retour") are one pattern matched in folded text, as
   rag/router/organisations.py `folded` computes it. */

const TOKEN = /[A-Za-z0-9_&'’-]+/g;
const POSSESSIVE_ENDING = new Set(["'", "’", "s"]);

function rstripPossessive(token) {
  let end = token.length;
  while (end > 0 && POSSESSIVE_ENDING.has(token[end - 1])) end--;
  return token.slice(0, end);
}

// Lowercase, accents dropped, ’ as ': the server's `folded`.
export function folded(text) {
  return text.toLowerCase().replace(/’/g, "'").normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
}

export class ElsewhereRule {
  constructor(rule) {
    this.services = new RegExp(rule.services, "i");
    this.aboutUs = new RegExp(rule.about_us, "i");
    this.nameContext = new Set(rule.name_context);
    this.commonNames = new Set(rule.common_names);
    this.shopNames = new Set(rule.shop_names);
    this.organisations = rule.organisations ? new RegExp(rule.organisations) : null;
    this.productKinds = new Set(rule.product_kinds || []);
  }

  // Whether the message names another company or public service, as the server's rule reads it.
  namesElsewhere(text) {
    if (this.organisations && this.organisations.test(folded(text))) return true;
    if (this.aboutUs.test(text)) return false;
    if (this.services.test(text)) return true;
    let previous = "<start>";
    const tokens = text.match(TOKEN) || [];
    for (let at = 0; at < tokens.length; at++) {
      if (this.isName(tokens[at], previous, tokens.slice(at + 1, at + 3))) return true;
      previous = tokens[at].toLowerCase();
    }
    return false;
  }

  // "lamp", "sofas", "benches": a kind of thing the shop sells, its plural "s" or "es" read off.
  productKind(word) {
    const lower = word.toLowerCase();
    return [lower, lower.replace(/s$/, ""), lower.replace(/es$/, "")].some((kind) => this.productKinds.has(kind));
  }

  isName(token, previous, following) {
    const word = token.endsWith("'s") || token.endsWith("’s") ? rstripPossessive(token) : token;
    const lower = word.toLowerCase();
    if (word.length < 2 || !/^[A-Za-z]/.test(word) || /[0-9]/.test(word)
        || this.shopNames.has(lower) || this.commonNames.has(lower)
        || following.some((next) => this.productKind(next))) return false;
    const capitalised = /[A-Z]/.test(word);
    const acronym = capitalised && !/[a-z]/.test(word) && word.length >= 3;
    return capitalised && (this.nameContext.has(previous) || word !== token || acronym);
  }
}
