"""The image-based MLP: the NCF MLP tower with the item embedding replaced by a projection of the
item's image vector, so an item nobody has bought yet scores exactly like one everybody has.

The tower's input is [user, item, user * item]: with only the concatenation, a ReLU tower on a
few thousand interactions learned which images sell (the same order for everyone) and not who
buys what; the element-wise product hands it the user-item match directly.

The image vectors are a fixed buffer (one row per item index; zeros for an item without an
image); only the user embeddings, the projection and the tower are learned. It trains with the
same loop as the other models (recsys.training.train_pointwise) on the same interactions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from fashion_pipeline.recsys.train_config import TrainConfig


class ImageMLP(nn.Module):
    def __init__(self, n_users: int, item_vectors: np.ndarray, layers: tuple[int, ...], dropout: float = 0.0,
                 user_init_std: float = 0.1):
        super().__init__()
        if layers[0] % 2:
            raise ValueError(f"the first layer ({layers[0]}) is the concatenation of two embeddings: make it even")
        half = layers[0] // 2
        self.register_buffer("item_vectors", torch.as_tensor(np.asarray(item_vectors, np.float32)))
        self.user = nn.Embedding(n_users, half)
        nn.init.normal_(self.user.weight, std=user_init_std)
        self.project = nn.Linear(self.item_vectors.shape[1], half)  # image vector -> item embedding
        widths = (3 * half, *layers[1:])  # user, item, user * item
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(layers[-1], 1)

    @property
    def n_items(self) -> int:
        return self.item_vectors.shape[0]

    def item_embedding(self, items: torch.Tensor) -> torch.Tensor:
        return self.project(self.item_vectors[items])

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        u, v = self.user(users), self.item_embedding(items)
        x = torch.cat([u, v, u * v], dim=-1)
        for layer in self.hidden:
            x = self.dropout(torch.relu(layer(x)))
        return self.out(x).squeeze(-1)

    def l2_penalty(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        # the user rows a batch touches, and the item embeddings it produced (keeps the projection small)
        return (self.user(users).pow(2).sum(-1) + self.item_embedding(items).pow(2).sum(-1)).mean()

    def score_users(self, users: torch.Tensor, item_chunk: int = 2048) -> torch.Tensor:
        """(B, n_items) logits; the first layer splits into user, item and product parts that add,
        so the (B, n_items, 3 * half) input is never built."""
        first = self.hidden[0]
        half = self.user.embedding_dim
        u = self.user(users)
        w_user, w_item, w_prod = first.weight[:, :half], first.weight[:, half:2 * half], first.weight[:, 2 * half:]
        user_part = u @ w_user.T  # (B, h1)
        prod_weights = u[:, :, None] * w_prod.T[None]  # (B, half, h1): (u * v) @ w_prod.T == v @ this
        outs = []
        for start in range(0, self.n_items, item_chunk):
            v = self.item_embedding(torch.arange(start, min(start + item_chunk, self.n_items), device=users.device))
            x = torch.relu(user_part[:, None, :] + (v @ w_item.T + first.bias)[None] + torch.matmul(v[None], prod_weights))
            for layer in self.hidden[1:]:
                x = torch.relu(layer(x))
            outs.append(self.out(x).squeeze(-1))
        return torch.cat(outs, dim=1)


@dataclass
class ImageMLPConfig:
    # The MLP model's tower; layers[0] = user half + projected image half (the product adds a half).
    layers: tuple[int, ...] = (128, 64, 32)
    dropout: float = 0.0
    # The NCF MLP starts user rows at std 0.01; next to a projected unit image vector that small
    # a user barely moves the score, and on small data the tower then learns item appeal only.
    user_init_std: float = 0.1
    # The number of epochs is chosen on validation *items*: this share of the training items is
    # held out as pretend-cold items, the model is stopped early on NDCG@10 over them, then
    # refit on every training item for the best epoch count. How long to train depends on the
    # features: on the sample, ImageNet vectors overfit item identity after 3-5 epochs, colour
    # histograms keep improving past 10. 0 = train for train.epochs without validation.
    validation_share: float = 0.1
    # train.epochs is the upper bound for early stopping. Patience is long: on the sample the
    # loss sits on a plateau (item appeal only) for about 6 epochs before the user-image match
    # is learned; with patience 3 training stopped at epoch 1 (validation NDCG@10 0.12, vs 0.28 later).
    train: TrainConfig = field(default_factory=lambda: TrainConfig(
        epochs=20, lr=0.002, l2=1e-4, batch_size=1024, negatives=8, patience=10, device="cpu"))
