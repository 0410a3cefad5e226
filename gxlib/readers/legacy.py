"""Legacy Word / WPS (``.doc``, ``.wps``: OLE2 compound files) → .docx via LibreOffice → the DOCX reader.

Agencies attach ``.doc`` and ``.wps`` as often as ``.docx``.  Reading the binary Word format
ourselves would be a second, worse Word reader; LibreOffice (Debian ``libreoffice-writer-nogui``)
converts it faithfully, tables included.  So when ``soffice`` is installed we run

    soffice --headless --norestore -env:UserInstallation=file://TMP/profile \
            --convert-to docx:"MS Word 2007 XML" --outdir TMP/out TMP/in/report.doc

in a private temporary directory (its own profile, so concurrent conversions — corpus workers,
dashboard kernels — never share LibreOffice's lock file), in its own process group, with a
timeout after which the whole group is killed.  The temporary directory is always removed.

The converter binary is ``$GX_SOFFICE`` when set (tests point it at fakes), else ``soffice`` or
``libreoffice`` on PATH; the timeout is ``$GX_SOFFICE_TIMEOUT`` seconds (default 40, below the
corpus build's 60 s per-file limit so the build's own timeout never orphans a converter).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..document import Document
from ..errors import ConversionTimeout, UnsupportedFormat

OLE2_MAGIC = b"\xd0\xcf\x11\xe0"
CONVERTER_ENV = "GX_SOFFICE"
TIMEOUT_ENV = "GX_SOFFICE_TIMEOUT"
DEFAULT_TIMEOUT = 40.0
INSTALL_HINT = "install LibreOffice (Debian: apt-get install libreoffice-writer-nogui), or convert it to .docx or .pdf first"

# OLE2 stream names (UTF-16LE in the directory) of the Office formats that are not word-processing files.
_NOT_WORD = {"Workbook": "an Excel workbook (.xls)", "Book": "an Excel workbook (.xls)",
             "PowerPoint Document": "a PowerPoint presentation (.ppt)"}


def _has_stream(data: bytes, name: str) -> bool:
    return name.encode("utf-16-le") + b"\x00\x00" in data


def kind_of(data: bytes, name: str = "") -> str:
    """``doc`` or ``wps`` for an OLE2 file to convert; raises for the OLE2 files that are no report."""
    if _has_stream(data, "EncryptedPackage") or b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00" in data[:65536]:
        raise UnsupportedFormat(f"{name}: a password-protected Office document; remove the password and save it "
                                "as .docx or .pdf first")
    if not _has_stream(data, "WordDocument"):
        for stream, what in _NOT_WORD.items():
            if _has_stream(data, stream):
                raise UnsupportedFormat(f"{name}: {what}, not a report")
    return "wps" if Path(name).suffix.lower() == ".wps" else "doc"


def find_converter() -> str | None:
    """The LibreOffice binary to run, or None when it is not installed."""
    configured = os.environ.get(CONVERTER_ENV)
    if configured:
        return shutil.which(configured) or (configured if os.access(configured, os.X_OK) else None)
    return shutil.which("soffice") or shutil.which("libreoffice")


def _timeout(timeout: float | None) -> float:
    if timeout is not None:
        return timeout
    try:
        return float(os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the group is ours alone: the converter got its own session
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def to_docx(data: bytes, name: str, kind: str = "doc", *, converter: str | None = None,
            timeout: float | None = None) -> bytes:
    """Convert legacy Word/WPS bytes to .docx bytes with LibreOffice (see the module docstring)."""
    binary = converter or find_converter()
    if binary is None:
        raise UnsupportedFormat(f"{name}: a legacy Word/WPS document (.{kind}); LibreOffice is not installed: "
                                f"{INSTALL_HINT}")
    limit = _timeout(timeout)
    with tempfile.TemporaryDirectory(prefix="gx-soffice-") as tmp:
        src = Path(tmp, "in", f"report.{kind}")
        out = Path(tmp, "out")
        src.parent.mkdir()
        out.mkdir()
        src.write_bytes(data)
        cmd = [binary, "--headless", "--norestore", "--nolockcheck", "--nologo", "--nodefault",
               f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), str(src)]
        # own session = own process group: a timeout kills soffice.bin and any helper it forked
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, env=os.environ | {"HOME": tmp})
        try:
            log, _ = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise ConversionTimeout(f"{name}: LibreOffice did not convert the .{kind} file within {limit:g} s "
                                    "(stopped); convert it to .docx or .pdf first") from None
        finally:
            _kill_group(proc)  # also after success: nothing of this conversion's group outlives it
        result = out / "report.docx"
        if not result.is_file() or result.stat().st_size == 0:
            lines = [x for x in log.decode("utf-8", "replace").splitlines() if "javaldx" not in x]  # harmless noise
            said = " ".join(" ".join(lines).split())[-300:]
            raise UnsupportedFormat(f"{name}: a legacy Word/WPS file (.{kind}) that LibreOffice could not convert "
                                    f"(damaged, or not a Word/WPS document; exit {proc.returncode}: "
                                    f"{said or 'no output'}); convert it to .docx or .pdf first")
        return result.read_bytes()


def read(path: Path, data: bytes, sha256: str, *, converter: str | None = None,
         timeout: float | None = None) -> Document:
    """Read a .doc/.wps: convert, then the DOCX reader; the Document keeps the original bytes' sha256."""
    from . import docx

    kind = kind_of(data, str(path))
    doc = docx.read(path, to_docx(data, str(path), kind, converter=converter, timeout=timeout), sha256)
    doc.format = kind
    return doc
