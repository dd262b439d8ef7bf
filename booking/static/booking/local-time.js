// Patients read every time on the clinic's clock, and the page names the clinic's zone. A
// patient whose own clock differs (the browser is in another zone) also gets one line with
// their time: the notes marked data-local-time (templates/booking/includes/local_time.html)
// stay hidden until this fills them in, so without JavaScript the page reads the same, less
// that line.
(() => {
  const language = document.documentElement.lang || "ru";
  const CLOCK = { hour: "2-digit", minute: "2-digit" };
  const DAY_AND_CLOCK = { weekday: "long", day: "numeric", month: "long", ...CLOCK };

  function show(note) {
    // data-at: an instant in UNIX seconds; without it the note is about now.
    const at = note.dataset.at ? new Date(Number(note.dataset.at) * 1000) : new Date();
    const options = note.dataset.at ? DAY_AND_CLOCK : CLOCK;
    const clocks = {
      clinic: new Intl.DateTimeFormat(language, { ...options, timeZone: note.dataset.zone }),
      local: new Intl.DateTimeFormat(language, options),
    };
    // Compared on the wall clock, not by zone name: Minsk and Moscow read the same.
    if (clocks.clinic.format(at) === clocks.local.format(at)) {
      return;
    }
    for (const slot of note.querySelectorAll("[data-clock]")) {
      slot.textContent = clocks[slot.dataset.clock].format(at);
    }
    note.hidden = false;
  }

  for (const note of document.querySelectorAll("[data-local-time]")) {
    try {
      show(note);
    } catch (error) {
      // A zone this browser does not know: the note stays hidden, the page still works.
      console.warn(error);
    }
  }
})();
