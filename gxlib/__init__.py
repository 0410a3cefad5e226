"""gxlib: Chinese government information-disclosure annual reports (政府信息公开工作年度报告)
as tidy polars frames, with the template's own checks.

    >>> import gxlib
    >>> r = gxlib.read_report("report.html")
    >>> r.cells, r.findings, r.table("applications")
"""

import hashlib
from importlib import resources

__version__ = "0.1.0"


# Modules that do not change what a file parses to (analysis, presentation, orchestration).
_NOT_PARSING = {"aggregates.py", "charts.py", "cli.py", "export.py", "recovery.py", "roster.py",
                "selfcheck.py", "selfcheck_view.py", "serve.py"}
# Subpackages that do not either (every other one, readers/ and its own subpackages included, does).
_NOT_PARSING_DIRS = {"__pycache__", "_voila", "app", "corpus", "demo", "fetch", "metrics", "registry", "spec_data"}


def _parser_version() -> str:
    """The release plus a digest of the code and data that turn a file into frames (every module
    of the package and its subpackages, but the analysis and presentation ones), so a corpus built by
    another parser (even an unreleased change) is reparsed, never silently mixed."""
    root = resources.files(__name__)
    h = hashlib.sha256(root.joinpath("spec_data/codes.tsv").read_bytes())

    def digest(folder, prefix: str) -> None:
        for f in sorted(folder.iterdir(), key=lambda f: f.name):
            if f.is_dir() and f.name not in _NOT_PARSING_DIRS:
                digest(f, f"{prefix}{f.name}/")
            elif f.name.endswith(".py") and f.name not in _NOT_PARSING:
                h.update(f"{prefix}{f.name}".encode() + b"\0" + f.read_bytes())

    digest(root, "")
    return f"{__version__}+{h.hexdigest()[:10]}"


PARSER_VERSION = _parser_version()

from .errors import GxError  # noqa: E402
from .report import Report, read_report  # noqa: E402

__all__ = ["GxError", "PARSER_VERSION", "Report", "read_report", "__version__"]
