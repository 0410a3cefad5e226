"""gxlib: Chinese government information-disclosure annual reports (政府信息公开工作年度报告)
as tidy polars frames, with the template's own checks.

    >>> import gxlib
    >>> r = gxlib.read_report("report.html")
    >>> r.cells, r.findings, r.table("applications")
"""

__version__ = "0.1.0"

from .errors import GxError  # noqa: E402
from .report import Report, read_report  # noqa: E402

__all__ = ["GxError", "Report", "read_report", "__version__"]
