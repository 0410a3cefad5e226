"""Makers of the hostile inputs of issue 16, for ``bench/bench_hostile.py`` and the tests.

Nothing expanded is ever written: a bomb's member is a deflate stream built from one compressed
chunk repeated (a ``Z_FULL_FLUSH`` block does not refer back, so copies concatenate into a valid
stream), its CRC computed chunk by chunk.  A 3 GiB member is a ~3 MB file, made in a few seconds.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo" / "reports"
GiB = 1 << 30


def _raw(data: bytes, final: bool) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


def repeated_member(prefix: bytes, chunk: bytes, n: int, suffix: bytes) -> tuple[bytes, int, int]:
    """(raw deflate data, crc32, expanded size) of prefix + chunk × n + suffix."""
    body = _raw(chunk, False)
    comp = b"".join([_raw(prefix, False), body * n, _raw(suffix, True)])
    crc = zlib.crc32(prefix)
    for _ in range(n):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(suffix, crc)
    return comp, crc & 0xFFFFFFFF, len(prefix) + len(chunk) * n + len(suffix)


def write_zip(path: Path, members: list[tuple[str, bytes | tuple[bytes, int, int]]]) -> Path:
    """A zip of deflated members; a member is its bytes or a ready (deflated, crc, size)."""
    out, central = io.BytesIO(), []
    for name, m in members:
        comp, crc, size = m if isinstance(m, tuple) else (_raw(m, True), zlib.crc32(m) & 0xFFFFFFFF, len(m))
        nb = name.encode()
        off = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(comp), size, len(nb), 0) + nb)
        out.write(comp)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(comp), size,
                                   len(nb), 0, 0, 0, 0, 0, off) + nb)
    cd = out.tell()
    for c in central:
        out.write(c)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - cd, cd, 0))
    path.write_bytes(out.getvalue())
    return path


def zip_bomb(path: Path, gib: float = 3) -> Path:
    """A zip holding a 'report' whose member declares (and expands to) ``gib`` GiB."""
    chunk = b"<p>" + b" " * ((1 << 20) - 3)
    n = int(gib * 1024)
    return write_zip(path, [("bomb/report_2023.html", repeated_member(b"<html><body>", chunk, n, b"</body></html>"))])


def docx_bomb(path: Path, gib: float = 1) -> Path:
    """A .docx whose word/document.xml expands to ``gib`` GiB (the other parts are a real docx's)."""
    import zipfile

    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    members = []
    with zipfile.ZipFile(buf) as z:
        for info in z.infolist():
            if info.filename != "word/document.xml":
                members.append((info.filename, z.read(info)))
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="http://schemas.'
            b'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>')
    members.append(("word/document.xml", repeated_member(head, b" " * (1 << 20), int(gib * 1024),
                                                         b"</w:t></w:r></w:p></w:body></w:document>")))
    return write_zip(path, members)


def demo_html() -> Path:
    return sorted(DEMO.glob("*.html"))[0]


def deep_html(path: Path, tag: str = "font", n: int = 260, closed: bool = False) -> Path:
    """A real (demo) report page wrapped in ``n`` nested ``tag`` elements (unclosed by default, as
    Word's HTML export leaves <font>)."""
    from gxlib.readers.html import decode

    text = decode(demo_html().read_bytes())
    i = text.lower().index("<body")
    i = text.index(">", i) + 1
    opener = f"<{tag}>" * n
    closer = f"</{tag}>" * n if closed else ""
    j = text.lower().rindex("</body>")
    path.write_text(text[:i] + opener + text[i:j] + closer + text[j:], encoding="utf-8")
    return path


def long_table_pdf(path: Path, pages: int, rows_per_page: int = 40, cols: int = 6) -> Path:
    """One ruled table continuing over ``pages`` pages (reportlab, drawn cell by cell as the demo
    generator draws its tables): a header row, then label + numbers rows."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from gxlib.demo import render_pdf

    render_pdf._font()
    font = render_pdf.FONT
    c = canvas.Canvas(str(path), pagesize=A4)
    w, h = A4
    x0, x1, top, row_h = 50.0, w - 50.0, h - 60.0, 17.0
    xs = [x0 + (x1 - x0) * k / cols for k in range(cols + 1)]
    n = 0
    for p in range(pages):
        c.setFont(font, 8)
        if p == 0:
            c.drawString(x0, top + 20, "长表市人民政府2023年政府信息公开工作年度报告")
        y = top
        for r in range(rows_per_page):
            cells = [f"第{n + 1}项"] + [str((n * 7 + k * 13) % 997) for k in range(cols - 1)]
            if p == 0 and r == 0:
                cells = ["项目"] + [f"列{k}" for k in range(1, cols)]
            else:
                n += 1
            for k, t in enumerate(cells):
                c.drawString(xs[k] + 3, y - row_h + 5, t)
            c.line(x0, y, x1, y)
            y -= row_h
        c.line(x0, y, x1, y)
        for x in xs:
            c.line(x, top, x, y)
        c.showPage()
    c.save()
    return path


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def truncate(path: Path, keep: float = 0.5) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


# --------------------------------------------------------------------------- measuring a command


def run_measured(cmd: list[str], timeout: float = 300, env: dict | None = None, cwd=None) -> dict:
    """Run ``cmd``; its exit code, last stderr line, seconds, and peak RSS: ``rss_mb`` of the largest
    single process (``wait4``: the child or any child it reaped) and ``tree_mb``, the largest sum
    over the process tree sampled every 50 ms (psutil, when installed)."""
    import subprocess
    import tempfile
    import time

    try:
        import psutil
    except ImportError:  # pragma: no cover
        psutil = None
    with tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=cwd, start_new_session=True)
        tree, status, ru = 0, None, None
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if psutil is not None:
                tree = max(tree, _tree_rss(psutil, p.pid))
            if time.monotonic() - t0 > timeout:
                os.killpg(p.pid, 9)
                pid, status, ru = os.wait4(p.pid, 0)
                break
            time.sleep(0.05)
        p.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - t0
        err.seek(0)
        lines = [ln for ln in err.read().decode("utf-8", "replace").splitlines() if ln.strip()]
    return {"rc": p.returncode, "seconds": seconds, "rss_mb": ru.ru_maxrss / 1024, "tree_mb": tree / MB_,
            "message": lines[-1] if lines else "", "stderr": "\n".join(lines)}


MB_ = 1 << 20


def _tree_rss(psutil, pid: int) -> int:
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for q in procs:
        try:
            total += q.memory_info().rss
        except psutil.Error:
            pass
    return total
