"""PDF reader: a PDF with a text layer → :class:`~gxlib.document.Document`.

Library: **pypdfium2** (PDFium, Apache-2.0/BSD) for everything — the characters with their
boxes (``FPDFText_*``) and the vector paths that draw the table rulings (``FPDFPath_*``).
pdfplumber/pdfminer give the same objects but interpret the page in pure Python, which
alone costs ~4× our whole budget; PDFium does it in C in a few milliseconds.

How tables are read: every horizontal/vertical stroke (lines, and rectangles thin enough
to be lines) is a ruling.  Rulings that touch form one table.  The x positions of the
vertical rules and the y positions of the horizontal rules cut the table into slots; two
neighbouring slots belong to one printed cell when no rule separates them, so spanned
cells come out once with their rowspan/colspan.  Each character goes to the cell that
holds its centre; the lines of a cell are joined without spaces (a label that wraps, a
vertical label printed one character per line).  A table at the top of page n+1 whose
outer edges and column rules match the table at the bottom of page n (and nothing but a
page number in between) is the same table: its rows are appended to one grid.  A tall row
the page break cut in two (upper part on page n, the rest on page n+1, both ruled) is joined
back into one row when the content says so (:func:`_is_split_row`).

Coordinates in ``where`` are PDF points from the top-left corner of the page.

The modules: :mod:`.page` (characters, rulings, loading), :mod:`.grid` (tables and grids), and
here the reader that joins them with the body text.
"""

from .reader import read

__all__ = ["read"]
