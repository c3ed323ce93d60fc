"""CPU thread limits: this project shares two cores with other work, so torch gets few threads."""

from __future__ import annotations

DEFAULT_THREADS = 2


def limit_torch_threads(threads: int = DEFAULT_THREADS) -> None:
    """Cap torch's intra-op pool; also raise ultralytics' own cap, which is cpu_count - 1 (1 here)."""
    import torch

    torch.set_num_threads(max(1, threads))
    try:
        import sys

        tu = sys.modules.get("ultralytics.utils.torch_utils")
        if tu is not None:
            # select_device() resets torch to this value before every train/val on a CPU.
            tu.NUM_THREADS = max(1, threads)
    except Exception:  # ultralytics internals moved: the torch cap above still holds
        pass
