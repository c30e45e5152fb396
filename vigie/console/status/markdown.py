"""Incident texts: plain text or a small Markdown subset, rendered to safe HTML.

markdown-it-py parses paragraphs, line breaks, emphasis, inline code, lists and links (no
raw HTML, no images, no headings); nh3 then keeps only those tags, only http(s) and mailto
links, and marks links ``nofollow noopener``. What a person typed can never add a script,
a style or an attribute to the public page.
"""

from __future__ import annotations

from functools import cache, lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

TAGS = {"p", "br", "em", "strong", "code", "ul", "ol", "li", "a"}
SCHEMES = {"http", "https", "mailto"}


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("zero", {"breaks": True, "html": False, "linkify": False})
    return md.enable(["emphasis", "backticks", "list", "link", "newline", "escape", "autolink"])


@lru_cache(maxsize=4096)
def render(text: str) -> Markup:
    """``text`` as sanitised HTML (a page re-renders the same updates at every refresh)."""
    html = _parser().render(text)
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes={"a": {"href"}},
        url_schemes=SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(clean)  # sanitised by nh3 just above
