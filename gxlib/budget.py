"""A budget per input file: size, expanded size, nesting, pages, time and memory.

Every reader checks the budget *before* it reads (``stat`` size, the sizes a zip archive declares
in its headers) and *while* it reads (bytes counted as they stream, so a header that lies gains
nothing).  Exceeding it raises :class:`~gxlib.errors.TooLarge` naming the limit and how to raise it.

The defaults are sized for real reports with a wide margin: the largest published reports seen are
PDFs of a few MB and 5–40 pages, Word files whose ``word/document.xml`` is under 5 MB, HTML pages of
a few hundred KB nested a few dozen levels deep (Word's HTML export: a few hundred).

=====================  ========  ======================================  ==============================
field                  default   what                                     raise it with
=====================  ========  ======================================  ==============================
``max_file_mb``        256       size of a file on disk                   ``--max-size`` / ``GX_MAX_FILE_MB``
``max_member_mb``      256       expanded size of a report inside a zip   ``--max-size`` / ``GX_MAX_MEMBER_MB``
``max_part_mb``        64        expanded size of one OOXML part (.docx)  ``--max-part`` / ``GX_MAX_PART_MB``
``max_html_depth``     2000      element nesting depth of an HTML page    ``--max-depth`` / ``GX_MAX_HTML_DEPTH``
``max_html_elements``  2000000   elements in an HTML page                 ``GX_MAX_HTML_ELEMENTS``
``max_pdf_pages``      500       pages of a PDF                           ``--max-pages`` / ``GX_MAX_PDF_PAGES``
``timeout``            60        seconds to read one file                 ``--timeout`` / ``GX_TIMEOUT``
``memory_mb``          3072      address space of a parsing process       ``--memory`` / ``GX_MEMORY_MB``
=====================  ========  ======================================  ==============================

``memory_mb`` is applied with ``setrlimit(RLIMIT_AS)`` in each build worker (and in ``gx parse`` /
``check`` / ``explain``); 0 turns a limit off.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import NotRegularFile, TooLarge

MB = 1 << 20
_CHUNK = 1 << 20

# field → (environment variable, command-line option or None)
_KNOBS = {
    "max_file_mb": ("GX_MAX_FILE_MB", "--max-size"),
    "max_member_mb": ("GX_MAX_MEMBER_MB", "--max-size"),
    "max_part_mb": ("GX_MAX_PART_MB", "--max-part"),
    "max_html_depth": ("GX_MAX_HTML_DEPTH", "--max-depth"),
    "max_html_elements": ("GX_MAX_HTML_ELEMENTS", None),
    "max_pdf_pages": ("GX_MAX_PDF_PAGES", "--max-pages"),
    "timeout": ("GX_TIMEOUT", "--timeout"),
    "memory_mb": ("GX_MEMORY_MB", "--memory"),
}


@dataclass(frozen=True)
class Budget:
    """Limits for one input file (see the module doc for the defaults and why)."""

    max_file_mb: float = 256
    max_member_mb: float = 256
    max_part_mb: float = 64
    max_html_depth: int = 2000
    max_html_elements: int = 2_000_000
    max_pdf_pages: int = 500
    timeout: float = 60.0
    memory_mb: float = 3072

    @classmethod
    def from_env(cls, env: dict | None = None) -> Budget:
        env = os.environ if env is None else env
        kw = {}
        for f in dataclasses.fields(cls):
            raw = env.get(_KNOBS[f.name][0])
            if raw:
                kw[f.name] = int(float(raw)) if f.type == "int" else float(raw)
        return cls(**kw)

    def replace(self, **kw) -> Budget:
        return dataclasses.replace(self, **{k: v for k, v in kw.items() if v is not None})

    def bytes(self, name: str) -> int | None:
        """A size limit in bytes, None when off (0)."""
        v = getattr(self, name)
        return int(v * MB) if v and v > 0 else None


def how_to_raise(name: str) -> str:
    env, opt = _KNOBS[name]
    return f"raise it with {opt} or {env}=…" if opt else f"raise it with {env}=…"


def too_large(what: str, name: str, value, shown: str) -> TooLarge:
    return TooLarge(f"{what}: {shown} exceeds the {name} limit ({how_to_raise(name)})", name, value)


def _mb(n: float) -> str:
    return f"{n / MB:,.0f} MB" if n >= MB else f"{n:,.0f} bytes"


# --------------------------------------------------------------------------- the current budget

_current: Budget | None = None


def current() -> Budget:
    """The budget in force (set by the CLI or a build worker; else the environment's defaults)."""
    global _current
    if _current is None:
        _current = Budget.from_env()
    return _current


def set_current(b: Budget | None) -> None:
    global _current
    _current = b


@contextlib.contextmanager
def using(b: Budget) -> Iterator[Budget]:
    old = _current
    set_current(b)
    try:
        yield b
    finally:
        set_current(old)


# --------------------------------------------------------------------------- files


def read_file(path: str | os.PathLike, b: Budget | None = None) -> bytes:
    """A regular file's bytes, at most ``max_file_mb``.  A FIFO, socket, device or folder is a
    :class:`NotRegularFile` (opened non-blocking, so a FIFO with no writer does not hang)."""
    b = b or current()
    limit = b.bytes("max_file_mb")
    p = os.fspath(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except IsADirectoryError as e:
        raise NotRegularFile(f"{p}: a folder, not a file") from e
    except OSError as e:
        if e.errno == errno.ENXIO:  # a socket / FIFO refusing a reader
            raise NotRegularFile(f"{p}: not a regular file (socket or FIFO)") from e
        raise
    with os.fdopen(fd, "rb", buffering=0) as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(f"{p}: not a regular file ({_kind(st.st_mode)}); only regular files are read")
        if limit is not None and st.st_size > limit:
            raise too_large(p, "max_file_mb", b.max_file_mb, f"{_mb(st.st_size)} on disk")
        return _read_capped(f, limit, p, "max_file_mb", b.max_file_mb)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


def _read_capped(f, limit: int | None, what: str, name: str, value) -> bytes:
    """Read ``f`` to its end, failing as soon as more than ``limit`` bytes came (a file that grows,
    a zip member whose header lies)."""
    chunks, n = [], 0
    while True:
        c = f.read(_CHUNK)
        if not c:
            return b"".join(chunks)
        n += len(c)
        if limit is not None and n > limit:
            raise too_large(what, name, value, f"more than {_mb(limit)}")
        chunks.append(c)


# --------------------------------------------------------------------------- zip archives / OOXML


def check_zip_headers(z: zipfile.ZipFile, what: str, name: str, b: Budget | None = None) -> None:
    """Refuse an archive any of whose members declares an expanded size above the ``name`` limit
    (``max_member_mb`` for reports in a zip, ``max_part_mb`` for OOXML parts)."""
    b = b or current()
    limit = b.bytes(name)
    if limit is None:
        return
    for info in z.infolist():
        if info.file_size > limit:
            raise too_large(f"{what}!{info.filename}", name, getattr(b, name),
                            f"declared expanded size {_mb(info.file_size)} (compressed {_mb(info.compress_size)})")


def iter_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, what: str, name: str, b: Budget | None = None) -> Iterator[bytes]:
    """A member's bytes in chunks, checked against the ``name`` limit from its header and while
    streaming."""
    b = b or current()
    limit = b.bytes(name)
    where = f"{what}!{info.filename}"
    if limit is not None and info.file_size > limit:
        raise too_large(where, name, getattr(b, name), f"declared expanded size {_mb(info.file_size)}")
    n = 0
    with z.open(info) as f:
        while True:
            c = f.read(_CHUNK)
            if not c:
                return
            n += len(c)
            if limit is not None and n > limit:
                raise too_large(where, name, getattr(b, name), f"expands to more than {_mb(limit)}")
            yield c


def read_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, what: str, name: str = "max_member_mb",
                b: Budget | None = None) -> bytes:
    return b"".join(iter_member(z, info, what, name, b))


# --------------------------------------------------------------------------- HTML trees


def check_tree(root, what: str, b: Budget | None = None) -> None:
    """Refuse a parsed tree deeper than ``max_html_depth`` or larger than ``max_html_elements``
    (one pass, no recursion: a 100,000-deep tree must not overflow our stack)."""
    from lxml import etree

    b = b or current()
    depth = deepest = n = 0
    for event, _el in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            depth += 1
            n += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    if b.max_html_depth and deepest > b.max_html_depth:
        raise too_large(what, "max_html_depth", b.max_html_depth, f"elements nested {deepest} deep")
    if b.max_html_elements and n > b.max_html_elements:
        raise too_large(what, "max_html_elements", b.max_html_elements, f"{n:,} elements")


# --------------------------------------------------------------------------- memory


def limit_memory(b: Budget | None = None) -> bool:
    """Cap this process's address space at ``memory_mb`` (Linux/Unix); True when applied.  A
    reader then fails with MemoryError instead of taking the machine."""
    b = b or current()
    limit = b.bytes("memory_mb")
    if limit is None:
        return False
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        return True
    except (ImportError, ValueError, OSError):
        return False


# --------------------------------------------------------------------------- command line


def add_arguments(p) -> None:
    """The budget options shared by gx parse / check / explain / build."""
    g = p.add_argument_group("budget per file (defaults: gxlib.budget)")
    d = Budget()
    g.add_argument("--timeout", type=float, default=None, help=f"seconds per file (default {d.timeout:g}; 0 = none)")
    g.add_argument("--max-size", type=float, default=None, metavar="MB",
                   help=f"file size and expanded zip member size (default {d.max_file_mb:g} MB)")
    g.add_argument("--max-part", type=float, default=None, metavar="MB",
                   help=f"expanded size of one .docx part (default {d.max_part_mb:g} MB)")
    g.add_argument("--max-depth", type=int, default=None, help=f"HTML nesting depth (default {d.max_html_depth})")
    g.add_argument("--max-pages", type=int, default=None, help=f"PDF pages (default {d.max_pdf_pages})")
    g.add_argument("--memory", type=float, default=None, metavar="MB",
                   help=f"address space per parsing process (default {d.memory_mb:g} MB; 0 = none)")


def from_args(args) -> Budget:
    size = getattr(args, "max_size", None)
    return Budget.from_env().replace(
        timeout=getattr(args, "timeout", None), max_file_mb=size, max_member_mb=size,
        max_part_mb=getattr(args, "max_part", None), max_html_depth=getattr(args, "max_depth", None),
        max_pdf_pages=getattr(args, "max_pages", None), memory_mb=getattr(args, "memory", None),
    )
