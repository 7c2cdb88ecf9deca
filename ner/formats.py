"""One document's bytes → its text, by file type: .txt/.md, .html/.htm, .docx and .pdf."""

from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import PurePosixPath
from xml.etree import ElementTree

from .textio import decode_bytes

TEXT = (".txt", ".md")
HTML = (".html", ".htm")
DEFAULT_MAX_BYTES = 200 * 2**20
HTML_SKIP = {"script", "style", "noscript", "template"}
HTML_BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
    "section", "table", "td", "th", "title", "tr", "ul",
}
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CJK = "\u3000-\u9fff\uf900-\ufaff\uff00-\uffef"
CJK_LINE_BREAK = re.compile(f"(?<=[{CJK}])[ \t\r\f]*\n\s*(?=[{CJK}])")


class FormatError(ValueError):
    """A file whose type is not supported or whose content does not match its type."""


def suffix(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


def to_text(name: str, data: bytes | str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The text of a document named `name`; text that is already a str (JSON lines) passes through.

    `max_bytes` bounds what a .docx may inflate to, so a document is never a zip bomb either.
    """
    if isinstance(data, str):
        return data
    ext = suffix(name)
    if ext in TEXT:
        return decode_bytes(data)
    if ext in HTML:
        return html_text(decode_bytes(data))
    if ext == ".docx":
        return docx_text(data, max_bytes)
    if ext == ".pdf":
        return pdf_text(data)
    raise FormatError(f"unsupported file type {ext or '(no extension)'}")


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in HTML_SKIP:
            self.skipping += 1
        elif tag in HTML_BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in HTML_SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in HTML_BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            # source line breaks inside a paragraph are layout, not text: between Chinese
            # characters they vanish (CSS Text's segment-break rule), elsewhere they are a space
            self.parts.append(re.sub(r"\s+", " ", CJK_LINE_BREAK.sub("", data)))


def html_text(markup: str) -> str:
    """Visible text of an HTML page: tags, scripts and styles removed, one line per block."""
    parser = _HTMLText()
    parser.feed(markup)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def docx_text(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Paragraph text of word/document.xml, one line per paragraph, read with a bounded inflate."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info = z.getinfo("word/document.xml")
            if info.file_size > max_bytes:
                raise FormatError(f"word/document.xml declares {info.file_size:,} bytes, over {max_bytes:,}")
            with z.open(info) as f:
                xml = f.read(max_bytes + 1)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise FormatError(f"not a .docx file: {exc}") from None
    if len(xml) > max_bytes:
        raise FormatError(f"word/document.xml inflates beyond {max_bytes:,} bytes")
    if b"<!DOCTYPE" in xml[:4096].upper():
        raise FormatError("word/document.xml has a DTD; refused (entity expansion)")
    out: list[str] = []
    _walk_docx(ElementTree.fromstring(xml), out)
    return "".join(out).rstrip("\n")


def _walk_docx(element: ElementTree.Element, out: list[str]) -> None:
    for child in element:
        if child.tag == W + "t":
            out.append(child.text or "")
        elif child.tag == W + "tab":
            out.append("\t")
        elif child.tag in (W + "br", W + "cr"):
            out.append("\n")
        else:
            _walk_docx(child, out)
            if child.tag == W + "p":
                out.append("\n")


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF, one page after another; a scanned PDF without one is an error."""
    import logging

    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed PDFs are reported per document
    reader = pypdf.PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise FormatError("encrypted PDF")
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    if not text.strip() and len(reader.pages):
        raise FormatError(f"PDF without a text layer ({len(reader.pages)} pages; scanned?)")
    return text
