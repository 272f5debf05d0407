"""Where the shipped tiny model lives (the default --model and --tokenizer of every command)."""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root (host/ is one level below it).
REPO_ROOT = Path(__file__).resolve().parents[1]
#: Override with HLSTRANSFORM_MODEL_DIR to point every default at another model folder.
MODEL_DIR = Path(os.environ.get("HLSTRANSFORM_MODEL_DIR", REPO_ROOT / "models" / "tiny"))
DEFAULT_MODEL = MODEL_DIR / "model_q80.bin"
DEFAULT_TOKENIZER = MODEL_DIR / "tokenizer.bin"
