/* Example Shoppe: one throttle for the chat widget and the staff console.
 *
 * `shoppeThrottle(action, everyMs)` returns a function that runs `action` at most once
 * per `everyMs`; a call inside that window runs it when the window ends (the trailing
 * edge), so a burst that starts right after a run is not lost. `action` returns false
 * when it had nothing to do, which does not start a new window.
 */
window.shoppeThrottle = function (action, everyMs) {
  "use strict";
  let last = 0;
  let later = null;
  return function run() {
    const wait = everyMs - (Date.now() - last);
    if (wait > 0) {
      if (!later) later = setTimeout(() => { later = null; run(); }, wait);
      return;
    }
    if (action() !== false) last = Date.now();
  };
};
