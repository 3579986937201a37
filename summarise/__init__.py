"""summarise: a day's news in many languages, briefed in English with every sentence cited."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .version import __version__

__all__ = ["Settings", "__version__", "brief", "brief_story", "detect_language", "load_settings", "translate"]

if TYPE_CHECKING:  # pragma: no cover
    from .config import Settings, load_settings
    from .detect import detect_language
    from .pipeline import brief
    from .story import brief_story
    from .translation import translate

# A library logs; the application decides where logs go (and the CLI prints warnings itself).
logging.getLogger(__name__).addHandler(logging.NullHandler())

_LAZY = {
    "brief": "pipeline",
    "brief_story": "story",
    "detect_language": "detect",
    "translate": "translation",
    "Settings": "config",
    "load_settings": "config",
}


def __getattr__(name: str) -> Any:
    # Lazy so that `import summarise` (and `summarise --help`) never pulls in torch.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'summarise' has no attribute {name!r}")
