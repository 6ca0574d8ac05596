/* What the chat says about the team: who holds the conversation, when an away team is back
 * (in the page's language, on the shop's clock), and the greeting a new chat opens with.
 */
import { h } from "../shared/dom.js";
import { LANG, SHOP_TIME_ZONE, format, gettext } from "./i18n.js";

// When the team is back, in the page's language: "tomorrow at 09:00", "maandag om 09:00",
// "le 14 décembre à 09:00". The day and the clock are the shop's (Amsterdam); names and clock from Intl.
// `team.back_at` is the opening as ISO 8601; a server without it sends only the English words (`back`).
function shopDay(date) {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: SHOP_TIME_ZONE, year: "numeric", month: "numeric", day: "numeric" })
    .formatToParts(date).reduce((all, p) => Object.assign(all, { [p.type]: Number(p.value) }), {});
  return Date.UTC(parts.year, parts.month - 1, parts.day) / 86400000;
}
export function whenBack(team) {
  const at = team.back_at ? new Date(team.back_at) : null;
  if (!at || isNaN(at)) return team.back;
  const time = new Intl.DateTimeFormat(LANG, { timeZone: SHOP_TIME_ZONE, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(at);
  const days = shopDay(at) - shopDay(new Date());
  if (days <= 0) return format(gettext("today at %(time)s"), { time });
  if (days === 1) return format(gettext("tomorrow at %(time)s"), { time });
  if (days < 7) {
    const weekday = new Intl.DateTimeFormat(LANG, { timeZone: SHOP_TIME_ZONE, weekday: "long" }).format(at);
    return format(gettext("%(weekday)s at %(time)s"), { weekday, time });
  }
  const date = new Intl.DateTimeFormat(LANG, { timeZone: SHOP_TIME_ZONE, day: "numeric", month: "long" }).format(at);
  return format(gettext("on %(date)s at %(time)s"), { date, time });
}

// After a reload: a chat still waiting for an away team says again when they are back.
export function awayLine(team) {
  if (!team || team.open || !(team.back || team.back_at)) return "";
  return team.handoff === "queued"
    ? format(gettext("Our team is away right now; they'll pick this up %(when)s (Amsterdam time) and reply here."),
      { when: whenBack(team) })
    : "";
}

export function teamStatus(team) {
  if (!team || !team.handoff) return "";
  if (team.handoff === "claimed") {
    return team.agent ? format(gettext("Chatting with %(name)s"), { name: team.agent }) : gettext("With our team");
  }
  return gettext("Waiting for our team");
}

const SUGGESTED = [gettext("Where is my order?"), gettext("How long does delivery take?"),
  gettext("How do I return an item?"), gettext("Which payment methods do you accept?")];

// A new chat opens with a greeting, a few questions to tap, and whether the team is in now.
export function welcome(log, team, ask) {
  const teamNow = !team ? "" : team.open
    ? gettext("Our team is online too, if you'd rather talk to a person.")
    : format(gettext("Our team is away right now; they're back %(when)s (Amsterdam time). I can help straight away."),
      { when: whenBack(team) });
  const list = h("div", { class: "chat-suggestions", role: "group", "aria-label": gettext("Suggested questions") });
  for (const question of SUGGESTED) {
    const button = h("button", { type: "button", class: "chat-suggestion", text: question });
    button.addEventListener("click", () => ask(question));
    list.appendChild(button);
  }
  log.appendChild(h("li", { class: "chat-welcome" },
    h("p", { text: gettext("Hi! I'm the Example Shoppe assistant. Ask me about orders, delivery, returns or payments.") }),
    teamNow ? h("p", { class: "chat-welcome-team", text: teamNow }) : null,
    list));
}
