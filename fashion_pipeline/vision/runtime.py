"""CPU thread limits: this project shares two cores with other work, so torch gets few threads."""

from __future__ import annotations

import sys

DEFAULT_THREADS = 2


def limit_torch_threads(threads: int = DEFAULT_THREADS) -> None:
    """Cap torch's intra-op pool; also set ultralytics' own cap, which is cpu_count - 1 (1 here)."""
    import torch

    torch.set_num_threads(max(1, threads))
    torch_utils = sys.modules.get("ultralytics.utils.torch_utils")
    if torch_utils is not None and hasattr(torch_utils, "NUM_THREADS"):
        # select_device() resets torch to this module constant before every CPU train/val.
        torch_utils.NUM_THREADS = max(1, threads)
