"""In-app help: Markdown files under docs/help/, rendered to HTML (they are ours, not users')."""

from functools import lru_cache

import markdown
from django.utils.safestring import mark_safe


@lru_cache(maxsize=64)
def render_markdown(text):
    return mark_safe(markdown.markdown(text, extensions=["tables", "toc", "fenced_code"]))
