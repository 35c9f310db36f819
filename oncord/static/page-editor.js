/* The page editor: blocks on a canvas, each carrying its settings as JSON in data-block.
   The server renders blocks and settings forms (HTMX); this module only keeps order and
   selection, and on Save writes the block list into the form's hidden `blocks` field. */
(function () {
  "use strict";

  const editor = document.querySelector("[data-page-editor]");
  if (!editor) return;

  const canvas = editor.querySelector("#canvas");
  const palette = editor.querySelector("#palette");
  const selectionPanel = editor.querySelector("#selection-panel");
  const settings = editor.querySelector("#block-settings");
  const clearNotes = () => { document.getElementById("block-notes").innerHTML = ""; };  // replaced by OOB swaps
  const form = document.getElementById("page-form");
  let dirty = false;

  const blocks = () => Array.from(canvas.querySelectorAll(":scope > .block"));
  const selected = () => canvas.querySelector(":scope > .block.is-selected");

  function markDirty() {
    dirty = true;
    editor.classList.add("is-dirty");
    refresh();
  }

  /* The sidebar lists every other website the page's embeds load content from. */
  function listHosts() {
    const hosts = [...new Set(blocks().flatMap((b) => JSON.parse(b.dataset.hosts || "[]")))];
    const list = document.getElementById("embedded-host-list");
    list.replaceChildren(...hosts.map((host) => Object.assign(document.createElement("li"), { textContent: host })));
    document.getElementById("embedded-hosts").hidden = hosts.length === 0;
  }

  function refresh() {
    editor.classList.toggle("is-empty", blocks().length === 0);
    listHosts();
    const block = selected();
    selectionPanel.hidden = !block;
    if (block) {
      editor.querySelector("#selected-label").textContent = block.querySelector(".block-label").textContent;
    }
  }

  function select(block) {
    blocks().forEach((b) => b.classList.toggle("is-selected", b === block));
    settings.innerHTML = "";
    clearNotes();
    refresh();
  }

  /* Ask the server for a new block of `type`, swapped in at `slot` (a dropped item) or the end. */
  function insert(type, slot) {
    if (!slot) slot = canvas.appendChild(document.createElement("div"));
    slot.className = "block is-loading";
    slot.textContent = "Adding…";
    clearNotes();
    const position = blocks().indexOf(slot);
    htmx.ajax("POST", editor.dataset.newUrl, { target: slot, swap: "outerHTML", values: { type: type } })
      .then(() => {
        const block = blocks()[position];
        if (block) select(block);
        markDirty();
      });
  }

  function editSelected() {
    const block = selected();
    if (!block) return;
    htmx.ajax("POST", editor.dataset.settingsUrl, {
      target: settings, swap: "innerHTML", values: { block: block.dataset.block },
    }).then(() => {
      const first = settings.querySelector("input:not([type=hidden]), textarea, select");
      if (first) first.focus();
    });
  }

  function move(step) {
    const block = selected();
    if (!block) return;
    const sibling = step < 0 ? block.previousElementSibling : block.nextElementSibling;
    if (!sibling) return;
    canvas.insertBefore(block, step < 0 ? sibling : sibling.nextElementSibling);
    block.focus();
    markDirty();
  }

  const actions = {
    edit: editSelected,
    up: () => move(-1),
    down: () => move(1),
    remove: () => { const block = selected(); if (block) { block.remove(); select(null); markDirty(); } },
    "close-settings": () => { settings.innerHTML = ""; },
  };

  editor.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action]");
    if (button && actions[button.dataset.action]) {
      event.preventDefault();
      actions[button.dataset.action]();
      return;
    }
    const item = event.target.closest(".palette-item");
    if (item) return insert(item.dataset.type);
    const block = event.target.closest("#canvas > .block");
    if (block && !block.classList.contains("is-selected")) select(block);
  });

  editor.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    const item = event.target.closest(".palette-item");
    const block = event.target.closest("#canvas > .block");
    if (item) { event.preventDefault(); insert(item.dataset.type); }
    else if (block && event.target === block) { event.preventDefault(); select(block); }
  });

  /* Apply succeeded: the server's block (marked selected) replaced the old one. */
  document.body.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.elt.id !== "block-form" || !event.detail.successful) return;
    if (event.detail.xhr.getResponseHeader("HX-Retarget")) return;  // refused: the form came back
    settings.innerHTML = "";
    markDirty();
  });

  form.addEventListener("input", markDirty);
  /* The server refuses pages over its limit (measured the same way, as UTF-8 JSON): say so
     here, before the edits leave the browser, so nothing is lost. */
  const kb = (bytes) => Math.ceil(bytes / 1024).toLocaleString("en");
  form.addEventListener("submit", (event) => {
    const json = JSON.stringify(blocks().map((b) => JSON.parse(b.dataset.block)));
    const size = new Blob([json]).size;
    const limit = Number(editor.dataset.maxBytes);
    const sizeError = document.getElementById("page-size-error");
    sizeError.hidden = !(limit && size > limit);
    if (!sizeError.hidden) {
      event.preventDefault();
      sizeError.textContent = `This page is too large (${kb(size)} KB); the limit is ${kb(limit)} KB. ` +
        "Remove some elements or shorten long texts, then Save.";
      sizeError.scrollIntoView({ block: "center" });
      return;
    }
    form.elements.blocks.value = json;
    dirty = false;
  });

  window.addEventListener("beforeunload", (event) => {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";  // older browsers need a value to show the warning
  });

  // Drag and drop: the palette hands out copies; the canvas takes them and sorts.
  Sortable.create(palette, {
    group: { name: "page", pull: "clone", put: false }, sort: false, forceFallback: true, animation: 150,
  });
  Sortable.create(canvas, {
    group: { name: "page", pull: false, put: true }, forceFallback: true, animation: 150,
    onAdd: (event) => insert(event.item.dataset.type, event.item),
    onUpdate: markDirty,
  });

  refresh();
  editor.dataset.ready = "true";  // listeners attached: clicks from here on are heard
})();
