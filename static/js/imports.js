// An import being read or written: follow its progress through the API, and reload when it settles.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-import-url]");
  if (!box) return;
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-progress-text]");
  const number = new Intl.NumberFormat();
  const poll = async () => {
    let data;
    try {
      const response = await fetch(box.dataset.importUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      data = (await response.json()).import;
    } catch (error) {
      window.setTimeout(poll, 5000);
      return;
    }
    if (data.status !== box.dataset.status) {
      window.location.reload();
      return;
    }
    const { done, total, step } = data.progress;
    if (bar) {
      bar.max = Math.max(total, 1);
      bar.value = done;
    }
    if (text) {
      text.textContent = step === "reading"
        ? `${total ? Math.min(100, Math.floor((done * 100) / total)) : 0}% of the file read`
        : `${number.format(done)} of ${number.format(total)} rows written`;
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 700);
});
