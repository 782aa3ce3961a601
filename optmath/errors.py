"""One place for the wording of bad-input errors, so every entry point says it the same way."""

from __future__ import annotations

from typing import Iterable


def unknown_choice(kind: str, value, choices: Iterable[str]) -> ValueError:
    """``unknown surface 'sadle'; choose one of: saddle, bowl, ...``"""
    return ValueError(f"unknown {kind} {value!r}; choose one of: {', '.join(choices)}")
