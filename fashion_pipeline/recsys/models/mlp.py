"""Multi-layer perceptron over concatenated user and item embeddings (the NCF "MLP" tower)."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from fashion_pipeline.recsys.train_config import TrainConfig


class MLP(nn.Module):
    def __init__(self, n_users: int, n_items: int, layers: tuple[int, ...], dropout: float = 0.0):
        super().__init__()
        if layers[0] % 2:
            raise ValueError(f"the first layer ({layers[0]}) is the concatenation of two embeddings: make it even")
        self.user = nn.Embedding(n_users, layers[0] // 2)
        self.item = nn.Embedding(n_items, layers[0] // 2)
        nn.init.normal_(self.user.weight, std=0.01)
        nn.init.normal_(self.item.weight, std=0.01)
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(layers[:-1], layers[1:]))
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(layers[-1], 1)

    @torch.no_grad()
    def start_from(self, user_factors, item_factors) -> "MLP":
        """Embeddings from matrix-factorization factors (ALS) of the embedding size: the tower
        starts from users and items already placed by what they share, not from noise."""
        self.user.weight.copy_(torch.as_tensor(user_factors))
        self.item.weight.copy_(torch.as_tensor(item_factors))
        return self

    def features(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        x = torch.cat([self.user(users), self.item(items)], dim=-1)
        for layer in self.hidden:
            x = self.dropout(torch.relu(layer(x)))
        return x

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        return self.out(self.features(users, items)).squeeze(-1)

    def l2_penalty(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        return (self.user(users).pow(2).sum(-1) + self.item(items).pow(2).sum(-1)).mean()

    def features_items(self, users: torch.Tensor, items: torch.Tensor | None = None,
                       item_chunk: int = 4096) -> torch.Tensor:
        """(B, len(items), last layer) tower outputs of every user against every listed item (all
        items when `items` is None), without materializing the concatenation: the first layer
        splits into a user part and an item part that add."""
        first = self.hidden[0]
        half = self.user.embedding_dim
        user_part = self.user(users) @ first.weight[:, :half].T  # (B, h1)
        item_w = self.item.weight if items is None else self.item(items)
        outs = []
        for start in range(0, len(item_w), item_chunk):
            chunk = item_w[start:start + item_chunk]
            x = torch.relu(user_part[:, None, :] + (chunk @ first.weight[:, half:].T + first.bias)[None])
            x = self.dropout(x)
            for layer in self.hidden[1:]:
                x = self.dropout(torch.relu(layer(x)))
            outs.append(x)
        return torch.cat(outs, dim=1)

    def features_all_items(self, users: torch.Tensor, item_chunk: int = 4096) -> torch.Tensor:
        return self.features_items(users, None, item_chunk)

    def score_items(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        return self.out(self.features_items(users, items)).squeeze(-1)

    def score_users(self, users: torch.Tensor) -> torch.Tensor:
        return self.out(self.features_all_items(users)).squeeze(-1)


@dataclass
class MLPConfig:
    # Tower widths; the first is the concatenated user+item embedding, halving each layer as in
    # the paper. Chosen on validation NDCG@10.
    layers: tuple[int, ...] = (128, 64, 32)
    dropout: float = 0.0
    # Start the embeddings from ALS factors of half the first layer's width (ALS's other
    # settings from configs.als, fitted on the same data) instead of noise.
    init_from_als: bool = False
    # Same sampling as GMF; the tower is more sensitive to the learning rate (0.005 was worse).
    train: TrainConfig = field(default_factory=lambda: TrainConfig(
        lr=0.002, l2=1e-3, batch_size=1024, negatives=16, patience=5))
