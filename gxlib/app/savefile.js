/* gx: save a file the kernel sent ({kind: "file", filename, mime} and its bytes as the message's
   buffer) through a Blob URL, so downloads work offline and need no server route.  Shared by the
   dashboards' download buttons (gxlib.app.downloads) and the 年报自检 page (gxlib.selfcheck_view). */
function gxSaveFile(msg, buffers) {
  if (!msg || msg.kind !== "file") return;
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([buffers[0]], { type: msg.mime }));
  a.download = msg.filename;
  a.style.display = "none";
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 2000);
}
