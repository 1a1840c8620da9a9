// admit serve: small progressive enhancement. Pages work without it; with it, an upload over the
// 10 MB limit is refused in the browser before it is sent.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const limit = Number(form.dataset.maxBytes || 0);
  if (!limit) return;
  let total = 0;
  for (const input of form.querySelectorAll("input[type=file]")) for (const file of input.files) total += file.size;
  if (total > limit) {
    event.preventDefault();
    alert("上传内容超过 10 MB 上限，请分批上传。");
  }
});

// Long work shows that it is running and is not started twice: a form's button and a download
// link marked data-busy say 正在处理… until the page answers (the server also runs a repeated
// request once).
document.addEventListener("submit", (event) => {
  if (event.defaultPrevented) return;
  for (const button of event.target.querySelectorAll("button[type=submit], button:not([type])")) {
    button.disabled = true;
    button.dataset.label = button.textContent;
    button.textContent = "正在处理…";
  }
});
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-busy]");
  if (!link || link.classList.contains("busy")) return;
  link.classList.add("busy");
  link.dataset.label = link.textContent;
  link.textContent = "正在生成…";
  setTimeout(() => { link.classList.remove("busy"); link.textContent = link.dataset.label; }, 15000);
});
window.addEventListener("pageshow", () => {
  for (const button of document.querySelectorAll("button[data-label]")) { button.disabled = false; button.textContent = button.dataset.label; }
});
