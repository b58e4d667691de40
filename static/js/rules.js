// The rule form's preview ("What it matches"), refreshed while the rule is edited. The server renders the
// fragment (banking/includes/rule_preview.html); without this script the Preview button does the same.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("rule-form");
  const target = document.getElementById("rule-preview");
  if (!form || !target || !window.fetch) return;
  const token = form.querySelector("[name=csrfmiddlewaretoken]");
  let timer = null;
  let latest = 0;
  const refresh = () => {
    const mine = ++latest;
    fetch(form.dataset.previewUrl, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "" },
    })
      .then((response) => (response.ok ? response.text() : null))
      .then((html) => {
        if (html !== null && mine === latest) target.innerHTML = html;
      })
      .catch(() => {});
  };
  const later = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
});
