"""The report tests' helpers (page_helpers.py) live beside them: with --import-mode=importlib test modules
cannot import each other, so this directory is put on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
