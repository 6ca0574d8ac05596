/* The chat widget's words and formats.
 *
 * Every string goes through Django's JavaScript catalogue (the /<lang>/jsi18n/ script, loaded before
 * the widget's modules, which run deferred, in order; locale/<lang>/LC_MESSAGES/djangojs.po); without
 * it, English. Dates and numbers go through Intl in the page's language.
 */
export const gettext = window.gettext || ((text) => text);
export const ngettext = window.ngettext || ((one, many, n) => (n === 1 ? one : many));
const interpolate = window.interpolate || ((text, values) => text.replace(/%\((\w+)\)s/g, (m, k) => String(values[k])));
export const format = (text, values) => interpolate(text, values, true);
const chat = document.getElementById("chat");
export const LANG = (chat && chat.lang) || document.documentElement.lang || "en-GB";
export const SHOP_TIME_ZONE = "Europe/Amsterdam";
