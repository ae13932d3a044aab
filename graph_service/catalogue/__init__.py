"""The catalogue: vocabularies (and, later, measures and rules) as readable data files.

Files ship in this folder; a deployment overrides any of them by placing a file of the same
name in ``GRAPH_CATALOGUE_DIR``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from graph_service.settings import get_settings

_HERE = Path(__file__).parent


def catalogue_file(name: str) -> Path:
    """The file the catalogue reads for ``name``: the override if present, else the default."""
    override = get_settings().catalogue_dir
    if override is not None and (override / name).is_file():
        return override / name
    return _HERE / name


@cache
def load_yaml(name: str) -> dict[str, Any]:
    """Parse one catalogue file."""
    with catalogue_file(name).open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"catalogue file {name} must hold a mapping")
    return data


def vocabulary(name: str) -> dict[str, dict[str, Any]]:
    """The codes of one vocabulary (``role``, ``kind`` …) with their labels."""
    vocab: dict[str, dict[str, Any]] = load_yaml("vocabularies.yaml")[name]
    return vocab


def label(vocab: str, code: str) -> str:
    """Bilingual label ``中文 / English`` for a code, or the code itself if unknown."""
    entry = vocabulary(vocab).get(code)
    return f"{entry['zh']} / {entry['en']}" if entry else code


def responsible_roles() -> frozenset[str]:
    """Roles whose holders answer for the entity (RULES.md: legal_rep, principal, controller)."""
    return frozenset(code for code, e in vocabulary("role").items() if e.get("responsible"))


def label_zh(vocab: str, code: str) -> str:
    """The Chinese label of a code (the code itself if unknown)."""
    return str(vocabulary(vocab).get(code, {}).get("zh", code))


def label_en(vocab: str, code: str) -> str:
    """The English label of a code (the code itself if unknown)."""
    return str(vocabulary(vocab).get(code, {}).get("en", code))
