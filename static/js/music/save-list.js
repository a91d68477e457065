// "Save this list" (templates/music/_save_list.html) saves the songs as they are shown
// when it is pressed: a list reranked in place since the page loaded (a rating, an
// undo) is read from its rows (`data-track`) rather than from the form's first copy.

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-save-list]");
  if (!form || !form.dataset.saveList) return;
  // The list is named by a selector, looked up in the form's own section first.
  const scope = form.closest("section") || document;
  const list = scope.querySelector(form.dataset.saveList) || document.querySelector(form.dataset.saveList);
  if (!list) return;
  const ids = [...list.querySelectorAll(":scope > [data-track]")].map((row) => row.dataset.track);
  if (!ids.length) return;
  for (const input of form.querySelectorAll('input[name="track"]')) input.remove();
  for (const id of ids) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "track";
    input.value = id;
    form.append(input);
  }
});
