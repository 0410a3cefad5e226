"""Recognise a column's list page: its entries (link, title, date beside it) and its other pages.

Chinese government CMSs deliver a column's list in a few shapes; each has a small recogniser:

* ``static``: entries in the HTML; pages ``index.html``, ``index_1.html`` … announced by a script
  call ``createPageHTML(total, current, "index", "html")`` (also the TRS form with a leading
  element id and a trailing record count).
* ``datastore``: entries inside ``<script type="text/xml">`` as ``<record><![CDATA[<li>…]]></record>``,
  with the total pages (``<totalpage>``, or ``<totalrecord>`` and ``perpage``) and a proxy URL
  carrying a page-number parameter (``<nextgroup>`` or a ``proxyUrl`` in the script).
* ``links``: plain 下一页 / 尾页 links.
* ``json``: a list endpoint named in the page's scripts (``url: "/api/…?page=1"``) answering JSON
  with an array of {title, url, date} objects and a page count.

:func:`parse_list` returns a :class:`ListPage` for any HTML or XML page; :func:`parse_json` for a
JSON answer.  All URLs come back absolute; nothing is fetched here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from lxml import html as lhtml

DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
PAGE_PARAMS = ("page", "pageNo", "pageno", "pageNum", "pagenum", "pageIndex", "pageindex", "curPage", "currentPage", "p")
_CREATE_PAGE = re.compile(r"createPageHTML\s*\(([^)]*)\)")
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_DATASTORE = re.compile(r"<script[^>]*type=[\"']text/xml[\"'][^>]*>(.*?)</script>", re.S | re.I)
_TAG_NUM = r"<{0}>\s*(\d+)\s*</{0}>"
_JS_URL = re.compile(r"""(?:url|proxyUrl|dataUrl|listUrl|api)\s*[:=]\s*["']([^"']+)["']""", re.I)
_NEXT = ("下一页", "下页", "后一页")
_LAST = ("尾页", "末页", "最后一页")


@dataclass
class Entry:
    url: str
    title: str
    date: str | None = None  # ISO date printed beside the link


@dataclass
class ListPage:
    url: str
    column: str | None = None
    entries: list[Entry] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # other list pages of the column (absolute URLs)
    json_endpoints: list[str] = field(default_factory=list)
    shapes: list[str] = field(default_factory=list)  # which recognisers matched


def iso_date(text: str | None) -> str | None:
    """``2021-01-20``, ``2021/1/20``, ``2021年1月20日`` → ``2021-01-20``; None when none is printed."""
    if not text:
        return None
    m = DATE.search(text)
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def parse_html(text: str):
    """An lxml tree of already-decoded text (bytes would be guessed as latin-1 without a charset).
    A parser per call: lxml parsers are not to be shared between threads."""
    return lhtml.document_fromstring(text.encode("utf-8"), parser=lhtml.HTMLParser(encoding="utf-8"))


def _text(el) -> str:
    return re.sub(r"\s+", " ", el.text_content() or "").strip()


def _entries(root, base: str) -> list[Entry]:
    """Every link with a title: the ``title`` attribute, else its text; the date printed in its
    list item (``<li>``, table row, or the parent element)."""
    out: list[Entry] = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        title = (a.get("title") or "").strip() or _text(a)
        if len(title) < 4:
            continue
        date = None
        node = a
        for _ in range(3):  # the link's item: <li>, <tr>, or its parent
            node = node.getparent()
            if node is None:
                break
            date = iso_date(_text(node).replace(title, ""))
            if date or node.tag in ("li", "tr", "dd"):
                break
        out.append(Entry(urljoin(base, href), title, date))
    return out


def _column(root) -> str | None:
    for name in ("ColumnName", "columnname", "column"):
        m = root.xpath(f'//meta[@name="{name}"]/@content')
        if m and m[0].strip():
            return m[0].strip()
    t = root.xpath("//title/text()")
    if t:
        return re.split(r"[_\-|－—]", t[0].strip())[0].strip() or None
    return None


def _create_page(text: str, base: str) -> list[str]:
    m = _CREATE_PAGE.search(text)
    if not m:
        return []
    args = [a.strip().strip("'\"") for a in m.group(1).split(",")]
    ints = [int(a) for a in args if a.isdigit()]
    strs = [a for a in args if a and not a.isdigit()]
    exts = [i for i, s in enumerate(strs) if s.lower() in ("html", "htm", "shtml", "jsp", "php")]
    if not ints or not exts or exts[0] == 0:
        return []
    total, name, ext = ints[0], strs[exts[0] - 1], strs[exts[0]]
    return [urljoin(base, f"{name}.{ext}" if i == 0 else f"{name}_{i}.{ext}") for i in range(total)]


def with_page(url: str, page: int, param: str | None = None) -> str:
    """``url`` with its page-number parameter set to ``page`` (the first of PAGE_PARAMS present)."""
    parts = urlsplit(url)
    q = parse_qsl(parts.query, keep_blank_values=True)
    names = [k for k, _ in q]
    param = param or next((p for p in PAGE_PARAMS if p in names), None)
    if param is None:
        return url
    q = [(k, str(page) if k == param else v) for k, v in q]
    return urlunsplit(parts._replace(query=urlencode(q)))


def page_param(url: str) -> str | None:
    names = [k for k, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)]
    return next((p for p in PAGE_PARAMS if p in names), None)


def _datastore(text: str, base: str) -> tuple[list[Entry], list[str]] | None:
    stores = _DATASTORE.findall(text)
    if not stores and "<datastore" in text[:2000].lower():
        stores = [text]  # the proxy's own answer
    if not stores:
        return None
    entries: list[Entry] = []
    pages: list[str] = []
    for store in stores:
        for frag in _RECORD.findall(store):
            entries.extend(_entries(lhtml.fragment_fromstring(frag, create_parent="div"), base))
        total = _int(_TAG_NUM.format("totalpage"), store) or _int(r"totalPage\s*[:=]\s*(\d+)", text)
        if total is None:
            rec = _int(_TAG_NUM.format("totalrecord"), store) or _int(r"totalRecord\s*[:=]\s*(\d+)", text)
            per = _int(r"perPage\s*[:=]\s*(\d+)", text) or _int(_TAG_NUM.format("perpage"), store)
            if rec is not None and per:
                total = -(-rec // per)
        proxy = re.search(r"<nextgroup>\s*<!\[CDATA\[.*?href=[\"']([^\"']+)", store, re.S)
        url = proxy.group(1) if proxy else None
        if url is None:
            m = re.search(r"proxyUrl\s*[:=]\s*[\"']([^\"']+)", text)
            url = m.group(1) if m else None
        if total and url and page_param(url):
            absu = urljoin(base, url.replace("&amp;", "&"))
            pages.extend(with_page(absu, i) for i in range(1, total + 1))
    return entries, pages


def _int(pattern: str, text: str) -> int | None:
    m = re.search(pattern, text)
    return int(m.group(1)) if m else None


def _next_links(root, base: str) -> list[str]:
    out = []
    for a in root.iter("a"):
        t = _text(a)
        href = (a.get("href") or "").strip()
        if href and not href.startswith(("javascript:", "#")) and any(w == t or w in t for w in (*_NEXT, *_LAST)):
            out.append(urljoin(base, href))
    return out


def _json_endpoints(text: str, base: str) -> list[str]:
    out = []
    for u in _JS_URL.findall(text):
        u = u.replace("&amp;", "&")
        if ".json" in u or page_param(u) or "/api/" in u:
            if not u.endswith((".js", ".css")):
                out.append(urljoin(base, u))
    return out


def parse_list(url: str, body: bytes | str, encoding: str | None = None) -> ListPage:
    text = body if isinstance(body, str) else body.decode(encoding or "utf-8", "replace")
    page = ListPage(url)
    ds = _datastore(text, url)
    root = parse_html(text) if text.strip() else None
    if root is not None:
        page.column = _column(root)
    if ds is not None:
        page.entries, page.pages = ds
        page.shapes.append("datastore")
    elif root is not None:
        for bad in root.xpath("//script|//style"):
            bad.drop_tree()
        page.entries = _entries(root, url)
    created = _create_page(text, url)
    if created:
        page.pages.extend(created)
        page.shapes.append("static")
    if root is not None:
        nxt = _next_links(root, url)
        if nxt:
            page.pages.extend(nxt)
            page.shapes.append("links")
    if ds is None:
        page.json_endpoints = _json_endpoints(text, url)
    if not page.shapes:
        page.shapes.append("single")
    return page


# --------------------------------------------------------------------------- JSON endpoints

_TITLE_KEYS = ("title", "docTitle", "doctitle", "name", "articleTitle", "subject")
_URL_KEYS = ("url", "link", "href", "docUrl", "docurl", "articleUrl", "path")
_DATE_KEYS = ("pubDate", "publishDate", "pubdate", "docRelTime", "date", "time", "releaseTime", "createTime")
_TOTAL_PAGE_KEYS = ("totalPage", "totalPages", "pageCount", "pages", "totalpage")
_TOTAL_KEYS = ("total", "totalCount", "totalRecord", "count", "totalElements")
_SIZE_KEYS = ("pageSize", "size", "perPage", "rows", "pagesize")


def _find_items(obj) -> list[dict] | None:
    """The first list of objects with a title and a URL, anywhere in the answer."""
    if isinstance(obj, list):
        if obj and all(isinstance(x, dict) for x in obj) and any(
            any(k in x for k in _TITLE_KEYS) and any(k in x for k in _URL_KEYS) for x in obj
        ):
            return obj
        for x in obj:
            r = _find_items(x)
            if r is not None:
                return r
    elif isinstance(obj, dict):
        for v in obj.values():
            r = _find_items(v)
            if r is not None:
                return r
    return None


def _find_key(obj, keys: tuple[str, ...]) -> int | None:
    if isinstance(obj, dict):
        for k in keys:
            v = obj.get(k)
            if isinstance(v, int) or (isinstance(v, str) and v.isdigit()):
                return int(v)
        for v in obj.values():
            if isinstance(v, dict):
                r = _find_key(v, keys)
                if r is not None:
                    return r
    return None


def _first(d: dict, keys: tuple[str, ...]) -> str | None:
    for k in keys:
        v = d.get(k)
        if isinstance(v, str) and v.strip():
            return v.strip()
    return None


def parse_json(url: str, body: bytes) -> ListPage | None:
    """A JSON list answer as a ListPage (None when it holds no list of titled links)."""
    try:
        obj = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None
    items = _find_items(obj)
    if items is None:
        return None
    page = ListPage(url, shapes=["json"])
    for it in items:
        title, link = _first(it, _TITLE_KEYS), _first(it, _URL_KEYS)
        if title and link:
            page.entries.append(Entry(urljoin(url, link), re.sub(r"<[^>]+>", "", title), iso_date(_first(it, _DATE_KEYS))))
    total = _find_key(obj, _TOTAL_PAGE_KEYS)
    if total is None:
        n, size = _find_key(obj, _TOTAL_KEYS), _find_key(obj, _SIZE_KEYS)
        total = -(-n // size) if n is not None and size else None
    param = page_param(url)
    if total and param:
        first = 0 if dict(parse_qsl(urlsplit(url).query)).get(param) == "0" else 1
        page.pages = [with_page(url, i, param) for i in range(first, first + total)]
    return page
