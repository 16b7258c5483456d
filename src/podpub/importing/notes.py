"""Show notes from a foreign feed, HTML → Markdown (markdownify): links, lists, emphasis and
headings kept; scripts and styles dropped; what Markdown cannot say (tables, frames) kept as
text, never as raw HTML. Plain-text notes keep their paragraphs and line breaks."""

from __future__ import annotations

import html
import re

from lxml import etree
from lxml import html as lxml_html
from markdownify import markdownify

from podpub.importing.values import has_markup
from podpub.standards.text import NOT_XML

STRIPPED = ["iframe", "object", "embed", "form"]  # their text stays; scripts and styles go


def notes_markdown(text: str, base_url: str = "") -> str:
    """Markdown for episode.md from an item's content:encoded or description."""
    text = NOT_XML.sub("", text).strip()
    if not text:
        return ""
    if not has_markup(text):
        text = _paragraphs(text)
    elif base_url:
        text = _absolute_links(text, base_url)
    markdown = markdownify(
        text,
        heading_style="ATX",
        bullets="-",
        newline_style="BACKSLASH",  # trailing spaces vanish in editors; a backslash stays
        strip=STRIPPED,
    )
    return re.sub(r"\n{3,}", "\n\n", markdown).strip() + "\n"


def _paragraphs(text: str) -> str:
    """Plain text as HTML: a blank line separates paragraphs, a newline breaks a line."""
    blocks = re.split(r"\n\s*\n", html.escape(text, quote=False))
    return "".join("<p>" + block.strip().replace("\n", "<br>") + "</p>" for block in blocks)


def _absolute_links(text: str, base_url: str) -> str:
    """Relative links and pictures made absolute against the item's page (or the feed)."""
    try:
        fragment = lxml_html.fragment_fromstring(text, create_parent="div")
    except (etree.ParserError, ValueError):
        return text
    fragment.make_links_absolute(base_url, resolve_base_href=False)
    inner = [lxml_html.tostring(child, encoding="unicode") for child in fragment]
    return (fragment.text or "") + "".join(inner)
