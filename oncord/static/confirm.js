/* Staff pages run no inline script (their Content-Security-Policy refuses it), so a form that
   must be confirmed says so in data-confirm and this asks before it is submitted. */
document.addEventListener("submit", (event) => {
  const message = event.target.dataset ? event.target.dataset.confirm : undefined;
  if (message && !window.confirm(message)) event.preventDefault();
});
