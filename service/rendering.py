"""How the templates in templates/ are read (notices, the case timeline, the statistics
report): HTML escaped, and a value a template names but is not given is an error, never a gap
in what someone reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def template_environment(**options: Any) -> Environment:
    """A jinja2 environment over templates/; `options` add to jinja2's own."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        **options,
    )
