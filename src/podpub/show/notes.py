"""Show notes: Markdown (CommonMark) to HTML for the feed, and plain text for descriptions/tags."""

from __future__ import annotations

import functools
import re
from typing import Any

from lxml import html as lxml_html

from podpub.show.chapters import Chapter, format_time
from podpub.standards.apple import MAX_TEXT_BYTES

# CommonMark's rules without raw HTML: HTML in notes is shown as text, never passed through.
COMMONMARK_WITHOUT_HTML: list[Any] = [
    "blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph",
    "reference", "autolink", "backticks", "emphasis", "entity", "escape", "image", "link",
    "newline",
]  # fmt: skip


@functools.cache
def _markdown() -> Any:
    """markdown-it in Rust where its wheel exists (a 5,000-episode feed renders 30× faster),
    else markdown-it-py; both are CommonMark and give the same HTML."""
    try:
        from markdown_it_pyrs import MarkdownIt as FastMarkdownIt
    except ImportError:
        return python_markdown()
    return FastMarkdownIt("zero").enable_many(COMMONMARK_WITHOUT_HTML)


def python_markdown() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False})


def notes_html(markdown: str, chapters: tuple[Chapter, ...] = ()) -> str:
    """Rendered notes, with a timestamp list of the chapters appended."""
    text = markdown
    if chapters:
        lines = "\n".join(f"- {format_time(c.start)} {c.title}" for c in chapters)
        text = f"{markdown.rstrip()}\n\n{lines}\n"
    return str(_markdown().render(text)).strip()


def plain_text(html: str) -> str:
    """Text of rendered HTML, whitespace collapsed."""
    if not html.strip():
        return ""
    return re.sub(r"\s+", " ", lxml_html.fromstring(html).text_content()).strip()


def clip_bytes(text: str, limit: int = MAX_TEXT_BYTES) -> str:
    """At most `limit` UTF-8 bytes, cut at a word boundary with an ellipsis."""
    if len(text.encode()) <= limit:
        return text
    cut = text.encode()[: limit - 4].decode(errors="ignore")
    return cut.rsplit(" ", 1)[0] + " …"
