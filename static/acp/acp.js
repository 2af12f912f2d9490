/* Account Control Panel behaviour: keyboard use, sub-tabs, unsaved-change prompts.
   Everything is event delegation, so content swapped in by htmx works without re-binding. */
(function () {
  "use strict";
  const dirty = new Set();

  function isTyping(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  /* "/" jumps to the search box. */
  document.addEventListener("keydown", function (e) {
    if (e.key === "/" && !isTyping(document.activeElement) && !e.ctrlKey && !e.metaKey) {
      const q = document.getElementById("acp-q");
      if (q) { e.preventDefault(); q.focus(); q.select(); }
    }
  });

  /* Search results: Down from the box into the list, Up/Down within it, Escape back. */
  document.addEventListener("keydown", function (e) {
    const q = document.getElementById("acp-q");
    const links = Array.from(document.querySelectorAll(".results .result"));
    if (!links.length) return;
    const inList = links.indexOf(document.activeElement);
    if (document.activeElement === q && e.key === "ArrowDown") {
      e.preventDefault(); links[0].focus();
    } else if (inList >= 0 && e.key === "ArrowDown") {
      e.preventDefault(); links[Math.min(inList + 1, links.length - 1)].focus();
    } else if (inList >= 0 && e.key === "ArrowUp") {
      e.preventDefault(); (inList === 0 ? q : links[inList - 1]).focus();
    } else if ((inList >= 0 || document.activeElement === q) && e.key === "Escape") {
      const box = document.getElementById("search-results");
      if (box && !document.querySelector(".search-page")) box.innerHTML = "";
      if (q) q.focus();
    }
  });

  /* Tab lists (main tabs and sub-tabs): arrow keys, Home and End move and open. */
  document.addEventListener("keydown", function (e) {
    const tab = e.target.closest && e.target.closest("[role=tab]");
    if (!tab) return;
    const list = tab.closest("[role=tablist]");
    const tabs = Array.from(list.querySelectorAll("[role=tab]"));
    let i = tabs.indexOf(tab);
    if (e.key === "ArrowRight") i = (i + 1) % tabs.length;
    else if (e.key === "ArrowLeft") i = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === "Home") i = 0;
    else if (e.key === "End") i = tabs.length - 1;
    else return;
    e.preventDefault();
    tabs[i].focus();
    tabs[i].click();
  });

  /* Sub-tabs switch on the client; the choice is remembered while the tab reloads. */
  function selectSubtab(tab) {
    const list = tab.closest("[role=tablist]");
    list.querySelectorAll("[role=tab]").forEach(function (t) {
      const on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      const panel = document.getElementById(t.getAttribute("aria-controls"));
      if (panel) panel.hidden = !on;
    });
    try { sessionStorage.setItem("acp-subtab-" + list.getAttribute("aria-label"), tab.id); } catch (err) { /* private mode */ }
  }
  document.addEventListener("click", function (e) {
    const tab = e.target.closest("[data-subtabs] [role=tab]");
    if (tab) selectSubtab(tab);
  });
  function restoreSubtabs(root) {
    root.querySelectorAll("[data-subtabs] [role=tablist]").forEach(function (list) {
      let id = null;
      try { id = sessionStorage.getItem("acp-subtab-" + list.getAttribute("aria-label")); } catch (err) { /* ignore */ }
      const tab = id && list.querySelector("#" + CSS.escape(id));
      if (tab) selectSubtab(tab);
    });
  }

  /* Customer type: individual fields or business name (seed 004, Customer ID). */
  function applyWhen(root) {
    root.querySelectorAll("[data-when]").forEach(function (box) {
      const form = box.closest("form");
      const name = '[name="' + box.dataset.when + '"]';
      /* A select, or a radio group (the checked one). */
      const input = form && (form.querySelector(name + ":checked") || form.querySelector("select" + name));
      if (!form || !form.querySelector(name)) return;
      const show = !!input && box.dataset.values.split(" ").indexOf(input.value) >= 0;
      box.hidden = !show;
    });
  }
  /* Also: payment forms show a tender's check number or card digits only for the tender
     types that need them, and manual distribution only in manual mode (issue 8 item 12). */
  document.addEventListener("change", function (e) {
    const form = e.target.closest && e.target.closest("form");
    if (form && e.target.name && form.querySelector('[data-when="' + e.target.name + '"]')) applyWhen(form);
  });

  /* Unsaved changes: a prompt before leaving a form that was typed in. */
  document.addEventListener("input", function (e) {
    const form = e.target.closest("form[data-track-changes]");
    if (form) dirty.add(form);
  });
  document.addEventListener("submit", function (e) { dirty.delete(e.target); });
  document.addEventListener("click", function (e) {
    const cancel = e.target.closest("[data-cancel]");
    if (cancel) dirty.delete(cancel.closest("form"));
    if (e.target.closest("[data-remove-form]")) { e.target.closest("form").remove(); }
    if (e.target.closest("[data-remove-row]")) { e.target.closest("tr").remove(); }
  });
  function hasUnsaved() {
    dirty.forEach(function (form) { if (!form.isConnected) dirty.delete(form); });
    return dirty.size > 0;
  }
  document.addEventListener("htmx:confirm", function (e) {
    const elt = e.detail.elt;
    const leaving = elt.matches("[role=tab], .toolbar, .toolbar *") || elt.closest(".tabbar");
    if (leaving && hasUnsaved()) {
      e.preventDefault();
      if (window.confirm("You have unsaved changes. Leave them?")) { dirty.clear(); e.detail.issueRequest(true); }
    }
  });
  window.addEventListener("beforeunload", function (e) {
    if (hasUnsaved()) { e.preventDefault(); e.returnValue = ""; }
  });

  /* A payment's action opens its form in a row under the payment's row: one open at a
     time, and focus goes to its first field (issue 8 item 6). */
  document.addEventListener("htmx:beforeRequest", function (e) {
    const elt = e.detail.elt;
    if (elt && elt.matches && elt.matches("[data-payment-action]")) {
      document.querySelectorAll("tr.payment-action-row").forEach(function (row) { row.remove(); });
    }
  });
  document.addEventListener("htmx:afterSettle", function (e) {
    const elt = e.detail.requestConfig && e.detail.requestConfig.elt;
    if (!(elt && elt.matches && elt.matches("[data-payment-action]"))) return;
    const field = document.querySelector("tr.payment-action-row select, tr.payment-action-row input:not([type=hidden]), tr.payment-action-row button[type=submit]");
    if (field) field.focus();
  });

  /* After a swap: restore sub-tabs, show the right type fields, put focus somewhere useful:
     the tab just opened, else the first field with an error, else a form just opened. */
  document.addEventListener("htmx:afterSwap", function (e) {
    restoreSubtabs(document);
    applyWhen(document);
    const elt = e.detail.requestConfig && e.detail.requestConfig.elt;
    const area = document.getElementById("tabs-area");
    if (elt && elt.matches && elt.matches("[role=tab]") && area) {
      const active = area.querySelector("[role=tab][aria-selected=true]");
      if (active) active.focus();
      return;
    }
    const target = e.detail.target;
    if (!target || !target.isConnected || target.id === "search-results") return;
    const invalid = target.querySelector("[aria-invalid=true]");
    const opened = e.detail.requestConfig && e.detail.requestConfig.verb === "get" &&
      target.querySelector("form [autofocus], form input:not([type=hidden]):not([disabled]), form select:not([disabled]), form textarea");
    const field = invalid || opened;
    if (field) field.focus();
  });


  /* Payment-center notes (payments tab): a modal dialog shown when the payment entry form
     opens; native <dialog> moves focus into it and closes on Escape or OK. Afterwards focus
     goes to the first field of the form so the CSR carries on typing. */
  function openPaymentNotes(root) {
    root.querySelectorAll("dialog[data-open-on-load]:not([open])").forEach(function (d) {
      if (!d.isConnected || typeof d.showModal !== "function") return;
      d.removeAttribute("data-open-on-load");
      d.addEventListener("close", function () {
        const form = document.querySelector("#payment-event, #quick-pay");
        const field = form && form.querySelector("input:not([type=hidden]), select");
        if (field) field.focus();
      });
      d.showModal();
      const ok = d.querySelector("[autofocus], button");
      if (ok) ok.focus();
    });
  }
  document.addEventListener("htmx:afterSettle", function () { openPaymentNotes(document); });
  document.addEventListener("DOMContentLoaded", function () {
    restoreSubtabs(document);
    applyWhen(document);
    openPaymentNotes(document);
  });
})();
