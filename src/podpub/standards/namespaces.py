"""The XML namespaces of a podcast feed, as URIs and as lxml's `{uri}` tag prefixes."""

from __future__ import annotations

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"
HISTORY_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"

ITUNES = f"{{{ITUNES_NS}}}"
PODCAST = f"{{{PODCAST_NS}}}"
ATOM = f"{{{ATOM_NS}}}"
PSC_NS = "http://podlove.org/simple-chapters"  # Podlove Simple Chapters
PSC = f"{{{PSC_NS}}}"
