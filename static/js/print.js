// Buttons marked data-print open the browser's print dialog (no inline script: CSP).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});

// A print page (the print already recorded by the server) opens the print dialog once loaded.
if (document.querySelector("[data-print-on-load]")) {
  window.addEventListener("load", function () { window.print(); });
}
