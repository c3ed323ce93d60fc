"""SASRec (Kang & McAuley 2018): a causal self-attention encoder over each user's item history.

Where GMF/MLP/NeuMF learn one fixed vector per user, SASRec reads the user's purchases in time
order and predicts the next one, so the latest purchases shape the recommendation most: recent
taste weighs more, learned rather than set by a half-life. Under leave-last-out by time this is
what full-ranking data such as Amazon rewards.

Item index i is token i + 1 (0 pads). The model holds each user's latest `max_len` items as a
buffer (`histories`, set from the data it was fitted on), so `score_users` needs only user
indices like every other model, and the history travels with the saved weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from fashion_pipeline.recsys.train_config import TrainConfig


class _Block(nn.Module):
    """Pre-norm self-attention and a point-wise feed-forward layer, each residual."""

    def __init__(self, factors: int, heads: int, dropout: float):
        super().__init__()
        self.attn_norm = nn.LayerNorm(factors)
        self.attn = nn.MultiheadAttention(factors, heads, dropout=dropout, batch_first=True)
        self.ff_norm = nn.LayerNorm(factors)
        self.ff = nn.Sequential(nn.Linear(factors, factors), nn.GELU(), nn.Dropout(dropout),
                                nn.Linear(factors, factors), nn.Dropout(dropout))

    def forward(self, x: torch.Tensor, blocked: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        q = self.attn_norm(x)
        x = x + self.attn(q, q, q, attn_mask=blocked, need_weights=False)[0]
        x = x + self.ff(self.ff_norm(x))
        return x * keep  # padded positions stay zero (SASRec's timeline mask)


class SASRec(nn.Module):
    def __init__(self, n_users: int, n_items: int, factors: int = 64, blocks: int = 2, heads: int = 1,
                 max_len: int = 50, dropout: float = 0.5):
        super().__init__()
        self.n_items, self.max_len = n_items, max_len
        self.item = nn.Embedding(n_items + 1, factors, padding_idx=0)
        self.position = nn.Embedding(max_len, factors)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(_Block(factors, heads, dropout) for _ in range(blocks))
        self.norm = nn.LayerNorm(factors)
        self.register_buffer("histories", torch.zeros(n_users, max_len, dtype=torch.long))
        nn.init.normal_(self.item.weight, std=factors ** -0.5)
        with torch.no_grad():
            self.item.weight[0].zero_()

    def encode(self, tokens: torch.Tensor) -> torch.Tensor:
        """(B, L) left-padded tokens -> (B, L, factors): position t has read tokens[:, :t + 1]."""
        length = tokens.shape[1]
        keep = (tokens > 0).unsqueeze(-1).to(self.item.weight.dtype)
        pos = self.position.weight[self.max_len - length:]  # the latest item always gets the last position
        x = self.dropout((self.item(tokens) * self.item.embedding_dim ** 0.5 + pos) * keep)
        # a position attends to itself and to earlier items, never to padding: so how much padding
        # a batch carries does not change a user's state. The diagonal stays open so that rows of
        # padding attend to something (an all-blocked row would be NaN); they are zeroed anyway.
        eye = torch.eye(length, dtype=torch.bool, device=tokens.device)
        causal = torch.triu(torch.ones(length, length, dtype=torch.bool, device=tokens.device), diagonal=1)
        blocked = (causal | (tokens == 0)[:, None, :]) & ~eye
        blocked = blocked.repeat_interleave(self.blocks[0].attn.num_heads, dim=0)  # (B * heads, L, L)
        for block in self.blocks:
            x = block(x, blocked, keep)
        return self.norm(x)

    def item_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """(..., factors) -> (..., n_items) logits; output and input embeddings are shared."""
        return hidden @ self.item.weight[1:].T

    def item_vectors(self, items: torch.Tensor) -> torch.Tensor:
        """Output embeddings of item indices (the input embeddings: they are shared)."""
        return self.item(items + 1)

    def user_states(self, users: torch.Tensor) -> torch.Tensor:
        return self.sequence_states(self.histories[users])

    def sequence_states(self, tokens: torch.Tensor) -> torch.Tensor:
        """(B, L) left-padded tokens, latest last -> (B, factors) state after the latest."""
        tokens = tokens[:, -self.max_len:]
        # trim columns that are padding for the whole batch: most users have short histories
        width = int((tokens > 0).sum(1).max().clamp(min=1))
        return self.encode(tokens[:, -width:])[:, -1]

    def score_sequences(self, tokens: torch.Tensor) -> torch.Tensor:
        """(B, n_items) logits of the next item after histories the model may never have seen."""
        return self.item_logits(self.sequence_states(tokens))

    def score_users(self, users: torch.Tensor) -> torch.Tensor:
        """(len(users), n_items) logits of the item that follows each user's history."""
        return self.item_logits(self.user_states(users))

    def score_items(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        return self.user_states(users) @ self.item_vectors(items).T

    def set_histories(self, matrix: np.ndarray) -> None:
        """`matrix`: (n_users, >= max_len) left-padded tokens, latest last (see recsys.sequences)."""
        self.histories.copy_(torch.as_tensor(matrix[:, -self.max_len:]))


@dataclass
class SASRecConfig:
    # Hidden size of item embeddings and attention (the paper's 50; 64 here).
    factors: int = 64
    # Self-attention blocks and heads (the paper's 2 and 1).
    blocks: int = 2
    heads: int = 1
    # Latest items a user's history holds; Amazon 5-core users have about 9.
    max_len: int = 50
    # Dropout on embeddings, attention and feed-forward layers. Beauty validation NDCG@10 (5,000
    # users, benchmarks/ncf_benchmark.py): 0.5 -> 0.0737, 0.2 -> 0.0704 (lr 0.005); sparse Amazon
    # data wants the paper's 0.5.
    dropout: float = 0.5
    # Full softmax over the catalogue at every position of every history (no sampled
    # negatives: 12,101 Beauty items cost 17 s an epoch on 2 cores); batch_size counts users.
    # lr 0.005 reached Beauty validation NDCG@10 0.070 in 7 epochs; 0.001 had 0.010 after 3
    # (benchmarks/ncf_benchmark.py --dataset beauty --models sasrec).
    train: TrainConfig = field(default_factory=lambda: TrainConfig(
        lr=0.005, batch_size=128, epochs=100, patience=3))
