// Live reload for `mentorsite serve`. The dev server adds this script to the pages it serves;
// no built file contains it. It follows the server's build states: after a good build the page
// reloads; after a failed one it shows the problems over the last good page until they are fixed.
// Every word shown comes from the server (UI_TEXT in serve/server.py). Problem text is user input
// (file names, values): it only ever reaches the page as textContent.
"use strict";
(() => {
  const settings = JSON.parse(document.getElementById("__mentorsite-live").textContent);
  const text = settings.text;
  let overlay = null;

  function element(tag, content, styles) {
    const node = document.createElement(tag);
    if (content) node.textContent = content;
    Object.assign(node.style, styles || {});
    return node;
  }

  function hide() {
    if (overlay) overlay.remove();
    overlay = null;
  }

  function show(problems) {
    hide();
    overlay = element("div", "", {
      position: "fixed", top: "1rem", left: "50%", transform: "translateX(-50%)", zIndex: "2147483647",
      width: "min(48rem, calc(100% - 2rem))", maxHeight: "calc(100vh - 2rem)", overflow: "auto",
      boxSizing: "border-box", padding: "1rem 1.25rem", background: "#fff", color: "#1a1a1a",
      border: "3px solid #b00020", borderRadius: "6px", boxShadow: "0 8px 32px rgba(0,0,0,.35)",
      font: "16px/1.45 system-ui, sans-serif", textAlign: "left",
    });
    overlay.id = "__mentorsite-problems";
    overlay.setAttribute("role", "alertdialog");
    overlay.setAttribute("aria-labelledby", "__mentorsite-problems-title");
    overlay.setAttribute("aria-describedby", "__mentorsite-problems-kept");
    const title = element("h2", text.title, { margin: "0 0 .25rem", fontSize: "1.25rem", color: "#b00020" });
    title.id = "__mentorsite-problems-title";
    const kept = element("p", settings.build ? text.kept : text.waiting, { margin: "0 0 .75rem" });
    kept.id = "__mentorsite-problems-kept";
    const list = element("ol", "", { margin: "0 0 .75rem", paddingLeft: "1.5rem" });
    for (const problem of problems) {
      const item = element("li", "", { margin: ".5rem 0" });
      const where = element("code", problem.where, { fontWeight: "bold", wordBreak: "break-all" });
      item.append(where, ": " + problem.message);
      if (problem.source) {
        item.append(element("pre", problem.source, {
          margin: ".25rem 0", padding: ".25rem .5rem", background: "#f4f4f4", overflowX: "auto",
        }));
      }
      if (problem.hint) item.append(element("div", text.hint + ": " + problem.hint, { color: "#444" }));
      list.append(item);
    }
    const dismiss = element("button", text.dismiss, { font: "inherit", padding: ".25rem .75rem" });
    dismiss.type = "button";
    dismiss.addEventListener("click", hide);
    overlay.append(title, kept, list, dismiss);
    document.body.append(overlay);
    dismiss.focus({ preventScroll: true });
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && overlay) hide();
  });

  const events = new EventSource(settings.events);
  events.addEventListener("state", (event) => {
    const state = JSON.parse(event.data);
    // A first look (state.pages: the pages of the build under way shown before it ends)
    // reloads only the tabs showing one of them; the others reload when the build ends.
    const mine = !state.pages || state.pages.includes(location.pathname);
    if (state.problems.length) {
      // Problems are shown over the last good build's page: a tab showing a first look
      // the build then refused goes back to it first.
      if (state.build !== settings.build) location.reload();
      else show(state.problems);
    } else if (state.build !== settings.build) {
      if (mine) location.reload();
    } else hide();
  });
})();
