"""An HTML tree's leaf tables and plain text in one pass of libxslt (C), not a Python walk.

The stylesheet writes what :mod:`gxlib.readers.html`'s Python walk reads, with separators
between the pieces: each leaf table (a table with no table inside), its rows (``.//tr``, in
document order), each row's ``td``/``th`` children with their ``rowspan``, ``colspan`` and text
(a ``<p>``/``<div>``/``<li>`` inside a cell followed by a space, a ``<sup>``'s text bracketed), then the plain text in reading
order (a line per block element, `` | `` before a cell, a marker where a leaf table stands).
Python then only splits the string: no element proxy, attribute or text look-up per node.

The separators are Unicode noncharacters; a page that holds one (or a character reference
that could make one) is read by the Python walk instead (:func:`safe`).  So is a page deeper
than libxml2's default limit (libxslt's template recursion is bounded).  ``tests/test_reader_html_walk.py``
checks that both walks give the same grids and text on every real page and on crafted ones.
"""

from __future__ import annotations

import re
import threading

from lxml import etree

from gxlib import glyphs

SEPARATORS = TABLE, ROW, CELL, FIELD, LEAF, PLAIN = tuple(chr(0xFDD0 + i) for i in range(6))
# a character reference that could make a separator (decimal 64976…64981 within 649xx, hex FDD0…FDD5)
_REF = re.compile(r"&#(?:0*649\d\d|[xX]0*[fF][dD][dD][0-5])")

# elements that start a line of the plain text (inside a cell only table and tr do), and those
# followed by a space inside a cell's text
BLOCK = ("p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article", "title")
CELL_BLOCK = ("p", "div", "li")

_XSL = f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text" encoding="UTF-8"/>
<xsl:template match="/">
  <xsl:for-each select="//table[not(.//table)]">
    <xsl:text>{TABLE}</xsl:text>
    <xsl:for-each select=".//tr">
      <xsl:text>{ROW}</xsl:text>
      <xsl:for-each select="td|th">
        <xsl:text>{CELL}</xsl:text><xsl:if test="@rowspan|@colspan"><xsl:text>{FIELD}</xsl:text>
        <xsl:value-of select="@rowspan"/><xsl:text>{FIELD}</xsl:text><xsl:value-of select="@colspan"/>
        <xsl:text>{FIELD}</xsl:text></xsl:if><xsl:apply-templates mode="c"/>
      </xsl:for-each>
    </xsl:for-each>
  </xsl:for-each>
  <xsl:text>{PLAIN}</xsl:text>
  <xsl:choose>
    <xsl:when test="/*/body"><xsl:apply-templates select="/*/body[1]" mode="p"/></xsl:when>
    <xsl:otherwise><xsl:apply-templates select="/*" mode="p"/></xsl:otherwise>
  </xsl:choose>
</xsl:template>
<xsl:template match="sup[normalize-space()]" mode="c"><xsl:text>（</xsl:text><xsl:value-of select="normalize-space()"/><xsl:text>）</xsl:text></xsl:template>
<xsl:template match="{'|'.join(CELL_BLOCK)}" mode="c"><xsl:apply-templates mode="c"/><xsl:text> </xsl:text></xsl:template>
<xsl:template match="table[not(.//table)]" mode="p"><xsl:text>{LEAF}</xsl:text></xsl:template>
<xsl:template match="table[not(.//table)]" mode="q"><xsl:text>{LEAF}</xsl:text></xsl:template>
<xsl:template match="table|tr" mode="p"><xsl:text>&#10;</xsl:text><xsl:apply-templates mode="p"/><xsl:text>&#10;</xsl:text></xsl:template>
<xsl:template match="table|tr" mode="q"><xsl:text>&#10;</xsl:text><xsl:apply-templates mode="q"/><xsl:text>&#10;</xsl:text></xsl:template>
<xsl:template match="{'|'.join(t for t in BLOCK if t not in ('table', 'tr'))}" mode="p"><xsl:text>&#10;</xsl:text><xsl:apply-templates mode="p"/><xsl:text>&#10;</xsl:text></xsl:template>
<xsl:template match="td|th" mode="p"><xsl:text> | </xsl:text><xsl:apply-templates mode="q"/></xsl:template>
<xsl:template match="td|th" mode="q"><xsl:text> | </xsl:text><xsl:apply-templates mode="q"/></xsl:template>
</xsl:stylesheet>"""

_LOCAL = threading.local()  # an XSLT object is not to be shared between threads


def _transform() -> etree.XSLT:
    xs = getattr(_LOCAL, "xslt", None)
    if xs is None:
        xs = _LOCAL.xslt = etree.XSLT(etree.XML(_XSL.encode("utf-8")))
    return xs


def safe(text: str) -> bool:
    """Can the page's text hold no separator?  (Else the Python walk reads it.)"""
    # (no "#", no character reference: one fast scan for a character before the pattern's)
    return not any(sep in text for sep in SEPARATORS) and ("#" not in text or _REF.search(text) is None)


def walk(root) -> tuple[list[str], list[str], list[str]]:
    """(tables, plain pieces, notes): each leaf table as a string of rows and cells, and the plain text
    cut where each leaf table stands.  In a table string each row starts with ROW and each
    ``td``/``th`` with CELL; a cell with a ``rowspan`` or ``colspan`` attribute continues with
    FIELD rowspan FIELD colspan FIELD (as printed, '' when absent), then its text.  The text is
    :func:`gxlib.glyphs.clean`'s (the notes say what it changed)."""
    out, notes = glyphs.clean(str(_transform()(root)))  # the page's text as shown (lxml decoded &shy;)
    grids, plain = out.split(PLAIN, 1)
    return grids.split(TABLE)[1:], plain.split(LEAF), notes

