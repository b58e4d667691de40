// Small progressive enhancements. No inline handlers anywhere: the CSP allows only this file.
document.addEventListener("DOMContentLoaded", () => {
  // <form data-confirm="Are you sure?"> asks before submitting.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  // <element data-hide-after="60"> disappears after that many seconds (a revealed account number).
  document.querySelectorAll("[data-hide-after]").forEach((el) => {
    const seconds = parseInt(el.dataset.hideAfter, 10) || 60;
    window.setTimeout(() => {
      const replacement = document.getElementById(el.dataset.replaceWith || "");
      if (replacement) replacement.hidden = false;
      el.remove();
    }, seconds * 1000);
  });
  // <select data-autosubmit> submits its form when changed.
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form && select.form.requestSubmit());
  });
});
