"""Generalized Matrix Factorization: logit = h . (p_u * q_i) + b."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from fashion_pipeline.recsys.train_config import TrainConfig


class GMF(nn.Module):
    def __init__(self, n_users: int, n_items: int, factors: int):
        super().__init__()
        self.user = nn.Embedding(n_users, factors)
        self.item = nn.Embedding(n_items, factors)
        self.out = nn.Linear(factors, 1)
        nn.init.normal_(self.user.weight, std=0.01)
        nn.init.normal_(self.item.weight, std=0.01)

    @torch.no_grad()
    def start_from(self, user_factors, item_factors) -> "GMF":
        """Start from matrix-factorization factors (ALS): logits begin as the MF scores p . q."""
        self.user.weight.copy_(torch.as_tensor(user_factors))
        self.item.weight.copy_(torch.as_tensor(item_factors))
        self.out.weight.fill_(1.0)
        self.out.bias.zero_()
        return self

    def features(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        return self.user(users) * self.item(items)

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        return self.out(self.features(users, items)).squeeze(-1)

    def l2_penalty(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Mean squared norm of the embeddings this batch uses."""
        return (self.user(users).pow(2).sum(-1) + self.item(items).pow(2).sum(-1)).mean()

    def score_items(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """(len(users), len(items)) logits of every user against every listed item."""
        return (self.user(users) * self.out.weight) @ self.item(items).T + self.out.bias

    def score_users(self, users: torch.Tensor) -> torch.Tensor:
        """(len(users), n_items) logits: one matrix product."""
        weighted = self.user(users) * self.out.weight  # (B, f)
        return weighted @ self.item.weight.T + self.out.bias


@dataclass
class GMFConfig:
    # Predictive factors (embedding size); chosen on validation NDCG@10 (benchmarks/ncf_benchmark.py).
    factors: int = 64
    # Start from the factors of ALS (configs.als, fitted on the same data; its factors must equal
    # `factors`) instead of random embeddings, and fine-tune with the log loss.
    init_from_als: bool = False
    # 16 negatives per positive instead of the paper's 4: on the small sample validation NDCG@10
    # rose from 0.059 to 0.088 (popularity: 0.055); full ranking rewards many negatives.
    # L2 0.01 on the embeddings each batch uses (validation NDCG@10 0.093; 1e-3: 0.073; 3e-2:
    # 0.065), not Adam weight decay, which shrinks every row a batch does not touch at full
    # speed: with 12,000 users a decay of 1e-5 collapsed all scores to a constant.
    train: TrainConfig = field(default_factory=lambda: TrainConfig(
        lr=0.005, l2=0.01, batch_size=1024, negatives=16, patience=5))
