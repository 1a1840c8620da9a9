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
