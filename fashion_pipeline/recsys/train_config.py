"""The training hyperparameters every torch model's config holds (`GMFConfig.train`, ...).

Its own module so that the models (recsys.models) can carry their training settings without
knowing the training loop (recsys.training).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TrainConfig:
    # Upper bound on epochs; early stopping on validation NDCG@10 picks the one used.
    epochs: int = 30
    # Large batches keep an epoch fast on 2 cores; the learning rate is set for this size.
    batch_size: int = 2048
    lr: float = 0.002
    # L2 penalty (Adam weight decay) on all parameters. Keep 0 for embeddings: see l2.
    weight_decay: float = 0.0
    # L2 on the embedding rows each batch uses (the model's l2_penalty), the usual way to
    # regularize embeddings: rows a batch does not touch are left alone.
    l2: float = 0.0
    # L2 on the output layer's weights. GMF's logit h . (p * q) is unchanged when p and q shrink
    # by c and h grows by c^2, so L2 on the embeddings alone does not bound the scores: with
    # the sampled softmax on Beauty, validation NDCG@10 peaked at epoch 2-3 and fell while the
    # training loss dropped towards 0 (l2 0.01 and 0.1 alike; benchmarks/ncf_benchmark.py).
    l2_output: float = 0.0
    # "bce" (the NCF paper's log loss) or "softmax" (sampled softmax, see the module docstring).
    loss: str = "bce"
    # bce: negatives per positive, drawn anew each epoch (the NCF paper's default is 4).
    negatives: int = 4
    # softmax: negatives shared by each batch (capped at the catalogue size).
    softmax_negatives: int = 2048
    # softmax: how the shared negatives are drawn: "uniform" (no correction needed) or
    # "popularity" (by training counts, logits corrected by logQ; see recsys.sampling).
    softmax_sampling: str = "uniform"
    # Sequence models (SASRec): a full softmax over the whole catalogue at every position while
    # the catalogue has at most this many items; above it, the sampled softmax with
    # `softmax_negatives` shared negatives, whose cost does not grow with the catalogue.
    full_softmax_max_items: int = 50_000
    # softmax: logits are divided by this; lower sharpens the focus on the hardest negatives.
    temperature: float = 1.0
    # Epochs without a better validation NDCG@10 before stopping.
    patience: int = 3
    # Validation users scored after each epoch for early stopping (a fixed random subset).
    eval_users: int = 5000
    seed: int = 0
    # "auto" uses a GPU when one is present; tests use "cpu".
    device: str = "auto"
    # CPU threads for torch. Embedding lookups and small layers gain little from threads, and
    # two processes each spinning two OpenMP threads on 2 cores ran 90x slower than one thread.
    threads: int = 1
    # Recency: an interaction's weight halves every this many days before the newest one.
    # None trains with uniform weights.
    half_life_days: float | None = None
