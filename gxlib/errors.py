"""Typed errors: every way a report can fail to be read has its own class, so callers
(the CLI, the corpus build) can record *why* without parsing messages."""


class GxError(Exception):
    """Base class of every error gxlib raises on bad input."""

    stage = "read"


class EmptyDocument(GxError):
    """The file is empty or holds no text at all."""


class UnsupportedFormat(GxError):
    """The file is not in a format gxlib reads (binary junk, legacy .doc/.wps, images)."""


class EncodingError(GxError):
    """The bytes decode in no encoding we know (UTF-8, GB18030, UTF-16)."""


class NotAReport(GxError):
    """The document reads fine but holds no annual report (no template table, no report heading)."""

    stage = "extract"


class ScannedPDF(GxError):
    """A PDF without a text layer (a scan): it needs OCR, which gxlib does not do."""


class EncryptedPDF(GxError):
    """A PDF that cannot be opened without a password."""


class ParseTimeout(GxError):
    """Reading the file took longer than the per-file limit."""

    stage = "timeout"


class ConversionTimeout(GxError):
    """LibreOffice did not convert a legacy .doc/.wps file in time (it was stopped)."""


class TooLarge(GxError):
    """An input exceeds its budget (file size, expanded zip member / OOXML part, HTML nesting or
    size, PDF pages): refused before it can take the machine.  ``limit`` names the budget field,
    ``value`` is its setting; the message says how to raise it."""

    def __init__(self, message: str, limit: str = "", value: int | float | None = None) -> None:
        super().__init__(message)
        self.limit = limit
        self.value = value


class NotRegularFile(UnsupportedFormat):
    """The path is a FIFO, a socket, a device (``/dev/zero``) or a folder: only regular files are read."""
