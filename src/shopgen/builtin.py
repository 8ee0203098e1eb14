"""Where shopgen's built-in templates are: read by the renderer, hashed by the fingerprint
(which must not pay for importing jinja on a sync with nothing to render)."""

from importlib import resources
from pathlib import Path


def builtin_templates() -> Path:
    """The templates folder: shipped inside the wheel, or at the repository root when editable."""
    packaged = resources.files("shopgen") / "templates"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "templates"
