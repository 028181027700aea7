"""Node embeddings and structural features computed once, as a preprocessing step."""

from __future__ import annotations

__all__: list[str] = []
