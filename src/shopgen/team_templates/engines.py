"""Rendering a team's template with copier's or cookiecutter's own API, into a temporary folder.

Nothing is asked: copier gets `defaults=True` and the answers as `data`; cookiecutter gets
`no_input=True` and `extra_context`. Neither runs template code: copier without `unsafe`
refuses templates with tasks, migrations or jinja extensions, and cookiecutter templates with
hooks are refused here (shopgen templates hold layout, not logic).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from shopgen.errors import ShopgenError

HOOK_NAMES = ("pre_prompt", "pre_gen_project", "post_gen_project")


class TeamTemplateError(ShopgenError):
    """A team's template failed to render."""


def render_copier(template: Path, data: dict[str, Any], output: Path) -> Path:
    """Render a copier template into `output`; returns the folder holding the result."""
    import copier  # 0.3 s to import: only when a spec uses a copier template
    from copier.errors import CopierError, UnsafeTemplateError

    try:
        copier.run_copy(
            str(template),
            output,
            data=data,
            defaults=True,
            overwrite=True,
            quiet=True,
            unsafe=False,
        )
    except UnsafeTemplateError as exc:
        raise TeamTemplateError(
            f"copier could not render it: {str(exc).splitlines()[0]} shopgen never runs template "
            "code (tasks, migrations, jinja extensions); move that logic out of the template"
        ) from exc
    except CopierError as exc:
        raise TeamTemplateError(f"copier could not render it: {exc}") from exc
    except Exception as exc:  # jinja errors and the like surface as they are
        raise TeamTemplateError(f"copier could not render it: {type(exc).__name__}: {exc}") from exc
    return output


def render_cookiecutter(template: Path, context: dict[str, Any], output: Path) -> Path:
    """Render a cookiecutter template under `output`; returns the generated project folder."""
    from cookiecutter.exceptions import CookiecutterException
    from cookiecutter.main import cookiecutter

    hooks = template / "hooks"
    if hooks.is_dir() and any(p.stem in HOOK_NAMES for p in hooks.iterdir()):
        raise TeamTemplateError(
            "it has hooks (hooks/pre_gen_project, post_gen_project…), and shopgen does not run "
            "template code; move that logic out of the template"
        )
    with tempfile.TemporaryDirectory(prefix="shopgen-cookiecutter-") as home:
        # Its own config: no replay files or clones in the user's home, no user defaults.
        config = Path(home, "config.yaml")
        config.write_text(
            f"cookiecutters_dir: {Path(home, 'clones')}\nreplay_dir: {Path(home, 'replay')}\n",
            encoding="utf-8",
        )
        try:
            project = cookiecutter(
                str(template),
                no_input=True,
                extra_context=context,
                output_dir=str(output),
                config_file=str(config),
                overwrite_if_exists=True,
                accept_hooks=False,
            )
        except CookiecutterException as exc:
            raise TeamTemplateError(f"cookiecutter could not render it: {exc}") from exc
        except Exception as exc:  # jinja errors, bad cookiecutter.json values
            raise TeamTemplateError(
                f"cookiecutter could not render it: {type(exc).__name__}: {exc}"
            ) from exc
    return Path(project)
