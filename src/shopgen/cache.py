"""shopgen's cache folder: `$SHOPGEN_CACHE_DIR`, else the user's cache folder (for example
`~/.cache/shopgen/`). Everything in it can be deleted at any time."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    from platformdirs import user_cache_dir  # only for the commands that use the cache

    return Path(os.environ.get("SHOPGEN_CACHE_DIR") or user_cache_dir("shopgen"))
