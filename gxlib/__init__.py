"""gxlib: Chinese government information-disclosure annual reports (政府信息公开工作年度报告)
as tidy polars frames, with the template's own checks.

    >>> import gxlib
    >>> r = gxlib.read_report("report.html")
    >>> r.cells, r.findings, r.table("applications")
"""

import hashlib
from importlib import resources

__version__ = "0.1.0"


def _parser_version() -> str:
    """The release plus a digest of the code and data that turn a file into frames, so a corpus
    built by another parser (even an unreleased change) is reparsed, never silently mixed."""
    root = resources.files(__name__)
    h = hashlib.sha256()
    names = ["spec_data/codes.tsv"] + [
        f"{m}.py" for m in ("agency", "checks", "document", "extract", "frames", "fused", "metadata",
                            "narrative", "report", "spec", "values")
    ] + [f"readers/{m}.py" for m in ("__init__", "crawler", "docx", "html", "pdf", "pipe")]
    for name in names:
        h.update(name.encode() + b"\0" + root.joinpath(name).read_bytes())
    return f"{__version__}+{h.hexdigest()[:10]}"


PARSER_VERSION = _parser_version()

from .errors import GxError  # noqa: E402
from .report import Report, read_report  # noqa: E402

__all__ = ["GxError", "PARSER_VERSION", "Report", "read_report", "__version__"]
