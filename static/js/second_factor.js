// The security page: once django-otp-webauthn's script has registered a key, reload the page
// so the list shows it (no inline script: CSP script-src 'self').
document.addEventListener("otp_webauthn.register_complete", () => {
  window.setTimeout(() => window.location.reload(), 800);
});
