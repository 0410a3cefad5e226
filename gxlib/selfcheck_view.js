// 年报自检 page (gxlib/selfcheck_view.py): controls, result, finding <-> cell links, downloads.
function el(tag, attrs = {}, text = "") {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

// a Chinese 「选择文件」 button (the native input's labels follow the browser's UI language)
function fileButton(cls, accept) {
  const wrap = el("span");
  const label = el("label", { class: "gx-file-btn" }, "选择文件");
  const input = el("input", { type: "file", class: cls, accept });
  input.style.display = "none";
  label.append(input);
  const name = el("span", { class: "gx-file-name" }, "未选择文件");
  input.addEventListener("change", () => { name.textContent = input.files[0] ? input.files[0].name : "未选择文件"; });
  wrap.append(label, name);
  return [wrap, input];
}

function render({ model, el: root }) {
  root.classList.add("gx-check");
  const controls = el("div", { class: "gx-controls gx-noprint" });
  const draftBox = el("div", { class: "gx-box" });
  draftBox.append(el("b", {}, "1. 上传报告草稿"), el("br"));
  const limit = model.get("max_bytes");
  const [inputLabel, input] = fileButton("gx-upload", model.get("accept"));
  draftBox.append(inputLabel, el("div", { class: "gx-note" },
    `支持 ${model.get("accept").split(",").join(" ")}；不超过 ${Math.round(limit / 1048576)} MB。文件只在本次检查中使用，关闭页面即删除，不会保存。`));
  const paste = el("textarea", { class: "gx-paste", placeholder: "或者把报告全文粘贴在这里" });
  const pasteBtn = el("button", { class: "gx-paste-btn jupyter-button" }, "检查粘贴的文本");
  draftBox.append(paste, pasteBtn);

  const prevBox = el("div", { class: "gx-box" });
  prevBox.append(el("b", {}, "2. 上年已发布的报告（可选，用于跨年度核对）"), el("br"));
  const [prevLabel, prevInput] = fileButton("gx-prev-upload", model.get("accept"));
  prevBox.append(prevLabel);
  const pick = el("select", { class: "gx-prev-pick" });
  pick.append(el("option", { value: "" }, "— 或从语料库中选择 —"));
  for (const [label, id] of model.get("choices")) pick.append(el("option", { value: id }, label));
  if (model.get("choices").length) prevBox.append(el("br"), pick);
  const prevNote = el("div", { class: "gx-note gx-prev-note" });
  prevBox.append(prevNote, el("div", { class: "gx-note" }, "核对：表三 上年结转 = 上年报告 结转下年度继续办理；表二 现行有效件数 = 上年 + 本年制发 − 本年废止。"));
  controls.append(draftBox, prevBox);

  const bar = el("div", { class: "gx-downloads gx-noprint" });
  const dlX = el("button", { class: "gx-dl jupyter-button", "data-fmt": "xlsx" }, "下载检查报告（Excel）");
  const dlH = el("button", { class: "gx-dl jupyter-button", "data-fmt": "html" }, "下载可打印的检查报告（HTML）");
  const pr = el("button", { class: "gx-print jupyter-button" }, "打印 / 存为 PDF");
  bar.append(dlX, dlH, pr);
  const status = el("div", { class: "gx-status gx-note gx-noprint" });
  const result = el("div", { class: "gx-result" });
  root.append(controls, status, bar, result);

  const sendFile = async (kind, file) => {
    if (!file) return;
    if (file.size > limit) {  // refused before any byte leaves the browser
      model.send({ kind, name: file.name, size: file.size });
      return;
    }
    status.textContent = `正在读取「${file.name}」…`;
    const buf = await file.arrayBuffer();
    model.send({ kind, name: file.name, size: file.size }, undefined, [buf]);
  };
  // the input is emptied after each pick so that choosing the same file again re-checks it
  const onPick = (kind, inp) => () => { const f = inp.files[0]; sendFile(kind, f).finally(() => { inp.value = ""; }); };
  input.addEventListener("change", onPick("draft", input));
  prevInput.addEventListener("change", onPick("prev_file", prevInput));
  pick.addEventListener("change", () => model.send({ kind: "prev_pick", report_id: pick.value }));
  pasteBtn.addEventListener("click", () => model.send({ kind: "text", text: paste.value }));
  for (const b of [dlX, dlH]) b.addEventListener("click", () => model.send({ kind: "download", fmt: b.dataset.fmt }));
  pr.addEventListener("click", () => window.print());
  // the upload is deleted as soon as the page goes away (Voilà then shuts the kernel down too)
  window.addEventListener("pagehide", () => { try { model.send({ kind: "close" }); } catch (e) { /* closing */ } });

  const draw = () => {
    result.innerHTML = model.get("html");
    root.dataset.tmp = model.get("tmp_name");
    const ready = !!result.querySelector(".gx-check-result[data-state='done']");
    dlX.disabled = dlH.disabled = !ready;
  };
  const busy = () => {
    root.dataset.busy = model.get("busy") ? "1" : "0";
    status.textContent = model.get("busy") ? "正在检查…" : "";
  };
  model.on("change:html", draw);
  model.on("change:busy", busy);
  model.on("change:seq", () => { root.dataset.seq = String(model.get("seq")); });
  root.dataset.seq = String(model.get("seq"));
  model.on("change:previous", () => { prevNote.textContent = model.get("previous"); });
  draw();
  busy();

  // finding -> its cells; cell -> its findings
  result.addEventListener("click", (ev) => {
    const f = ev.target.closest(".gx-finding");
    const c = ev.target.closest("td.gx-cell");
    if (!f && !c) return;
    result.querySelectorAll(".gx-hl").forEach((x) => x.classList.remove("gx-hl"));
    result.querySelectorAll(".gx-active").forEach((x) => x.classList.remove("gx-active"));
    const info = result.querySelector(".gx-cell-info");
    if (f) {
      f.classList.add("gx-active");
      const keys = (f.dataset.cells || "").split(" ").filter(Boolean);
      keys.forEach((k) => result.querySelectorAll(`td[data-cell="${k}"]`).forEach((x) => x.classList.add("gx-hl")));
      const first = keys.length && result.querySelector(`td[data-cell="${keys[0]}"]`);
      if (first) first.scrollIntoView({ block: "center" });
      if (info) info.style.display = "none";
      return;
    }
    c.classList.add("gx-hl");
    const ids = (c.dataset.fids || "").split(" ").filter(Boolean);
    if (!info) return;
    info.innerHTML = "";
    const value = c.dataset.state === "value" ? c.textContent : ({ blank: "空白", missing: "未见", ambiguous: "无法确定", unreadable: "无法识别" })[c.dataset.state];
    info.append(el("b", {}, `${c.dataset.label}：${value}`));
    if (c.title) info.append(el("div", { class: "gx-note" }, c.title));
    const ul = el("ul");
    for (const id of ids) {
      const li = result.querySelector(`.gx-finding[data-fid="${id}"]`);
      if (li) { li.classList.add("gx-active"); ul.append(el("li", { class: "gx-cell-finding" }, li.textContent)); }
    }
    if (!ids.length) ul.append(el("li", { class: "gx-cell-finding gx-none" }, "此单元格没有问题"));
    info.append(ul);
    info.style.display = "block";
  });

  model.on("msg:custom", gxSaveFile);  /* gxlib/app/savefile.js, prepended by selfcheck_view.py */
}
export default { render };
