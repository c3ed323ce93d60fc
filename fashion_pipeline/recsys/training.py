"""One training loop for every NCF model, with two losses over sampled negatives:

- "bce": the NCF paper's pointwise log loss. Each epoch draws `negatives` fresh negatives per
  positive (never the user's own items), shuffles, and runs mini-batches.
- "softmax": sampled softmax. Each batch of positives shares `softmax_negatives` distinct items
  (uniform, or by popularity with the logQ correction: recsys.sampling); every positive is
  scored against all of them, the user's own items among them are masked out, and the loss is
  cross-entropy of the positive among [positive, negatives] at a temperature. Many negatives
  per positive at the cost of one matrix product: what sparse full-ranking data (Amazon) rewards.

The sequence trainer (SASRec) takes a full softmax over the catalogue at every position while the
catalogue is small (`full_softmax_max_items`) and the same sampled softmax above it.

Both are tensor operations per batch. With a validation callback the loop keeps the weights of
the best epoch by validation NDCG@10 and stops after `patience` epochs without improvement.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from fashion_pipeline.recsys.data import PairSet
from fashion_pipeline.recsys.sampling import SharedNegatives, sample_training_negatives
from fashion_pipeline.recsys.sequences import sequence_matrix
from fashion_pipeline.recsys.train_config import TrainConfig


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def recency_weights(times: np.ndarray, half_life_days: float | None) -> np.ndarray | None:
    """exp-decay weights by age relative to the newest interaction, normalized to mean 1."""
    if half_life_days is None or len(times) == 0:
        return None
    age_days = (times.max() - times) / 86_400.0
    w = np.power(0.5, age_days / half_life_days)
    return (w / w.mean()).astype(np.float32)


LOSSES = ("bce", "softmax")


class UserItems:
    """Each user's items as CSR arrays on the device: which of a batch's shared negatives are
    the batch users' own items, as one gather, no loop over users."""

    def __init__(self, users: np.ndarray, items: np.ndarray, n_users: int, device: torch.device):
        order = np.argsort(users, kind="stable")
        counts = np.bincount(users, minlength=n_users)
        self.indptr = torch.as_tensor(np.concatenate([[0], np.cumsum(counts)]), device=device)
        self.indices = torch.as_tensor(items[order], device=device)

    def mask(self, users: torch.Tensor, candidates: torch.Tensor, n_items: int) -> torch.Tensor:
        """(len(users), len(candidates)) bool: candidate j is one of user b's items.
        `candidates` must be distinct."""
        starts, ends = self.indptr[users], self.indptr[users + 1]
        lengths = ends - starts
        rows = torch.repeat_interleave(torch.arange(len(users), device=users.device), lengths)
        offsets = torch.arange(int(lengths.sum()), device=users.device) - torch.repeat_interleave(
            torch.cumsum(lengths, 0) - lengths, lengths)
        owned = self.indices[torch.repeat_interleave(starts, lengths) + offsets]
        slot = torch.full((n_items,), -1, dtype=torch.long, device=users.device)
        slot[candidates] = torch.arange(len(candidates), device=users.device)
        col = slot[owned]
        out = torch.zeros(len(users), len(candidates), dtype=torch.bool, device=users.device)
        hit = col >= 0
        out[rows[hit], col[hit]] = True
        return out


class TorchScorer:
    """Adapts a model with `score_users` to the evaluation's numpy `score(users)`."""

    def __init__(self, model: nn.Module, device: torch.device, batch_size: int = 512):
        self.model, self.device, self.batch_size = model, device, batch_size

    @torch.no_grad()
    def score_tensor(self, users: np.ndarray) -> torch.Tensor:
        """(len(users), n_items) float32 scores as a CPU tensor: top_k masks and selects on it
        in place, without numpy copies."""
        self.model.eval()
        parts = [self.model.score_users(torch.as_tensor(users[s:s + self.batch_size], device=self.device)).float().cpu()
                 for s in range(0, len(users), self.batch_size)]
        return torch.cat(parts) if parts else torch.zeros((0, 0))

    def score(self, users: np.ndarray) -> np.ndarray:
        return self.score_tensor(users).numpy()


@dataclass
class TrainResult:
    history: list[dict] = field(default_factory=list)  # per epoch: loss, seconds, validation metrics
    best_epoch: int = 0
    best_ndcg: float = float("-inf")
    # settings other than the epoch count chosen on validation (EASE's lambda, a blend's
    # weight); the test and serving refits get them back as `chosen`
    chosen: dict = field(default_factory=dict)


def _prepare(model: nn.Module, cfg: TrainConfig) -> tuple[torch.device, np.random.Generator]:
    """Device, threads and seeds, the same way for every trainer."""
    device = resolve_device(cfg.device)
    torch.set_num_threads(cfg.threads)
    model.to(device)
    rng = np.random.default_rng(cfg.seed)
    torch.manual_seed(cfg.seed)
    return device, rng


def train_pointwise(model: nn.Module, users: np.ndarray, items: np.ndarray, n_items: int, cfg: TrainConfig,
                    times: np.ndarray | None = None, validate: Callable[[TorchScorer], dict] | None = None,
                    on_epoch: Callable[[int, dict], None] | None = None, epochs: int | None = None,
                    trained_start: bool = False) -> TrainResult:
    """Train `model` in place; with `validate`, end on the weights of the best epoch.
    `trained_start`: the model starts from trained weights (ALS factors, NeuMF's towers), so
    its start is validated as epoch 0 and kept when no epoch beats it."""
    if cfg.loss not in LOSSES:
        raise ValueError(f"TrainConfig.loss must be one of {', '.join(LOSSES)}, not {cfg.loss!r}")
    device, rng = _prepare(model, cfg)
    weights = recency_weights(times, cfg.half_life_days) if times is not None else None
    epoch_fn = _softmax_epoch if cfg.loss == "softmax" else _bce_epoch
    state = {"positives": PairSet(users, items, n_items)} if cfg.loss == "bce" else {
        "owned": UserItems(users, items, int(users.max()) + 1 if len(users) else 0, device),
        "negatives": SharedNegatives(items, n_items, cfg.softmax_negatives, cfg.softmax_sampling, rng, device)}

    def run_epoch(opt):
        return epoch_fn(model, opt, users, items, n_items, cfg, weights, rng, device, state)

    return fit_epochs(model, run_epoch, cfg, device, validate, on_epoch, epochs, trained_start)


def train_sequential(model: nn.Module, users: np.ndarray, items: np.ndarray, times: np.ndarray,
                     cfg: TrainConfig, validate: Callable[[TorchScorer], dict] | None = None,
                     on_epoch: Callable[[int, dict], None] | None = None, epochs: int | None = None) -> TrainResult:
    """Train a sequence model (SASRec) in place on each user's items in time order: at every
    position, cross-entropy of the next item, over the whole catalogue while it has at most
    `cfg.full_softmax_max_items` items, else among the batch's shared sampled negatives with the
    user's own items masked (gSASRec / eSASRec). Sets the model's histories to these
    interactions, so it scores from what it was fitted on."""
    device, rng = _prepare(model, cfg)
    n_users, n_items = model.histories.shape[0], model.n_items
    seqs = sequence_matrix(users, items, times, n_users, model.max_len + 1)
    model.set_histories(seqs[:, 1:])
    inputs, targets = torch.as_tensor(seqs[:, :-1]), torch.as_tensor(seqs[:, 1:])
    trainable = torch.as_tensor(np.flatnonzero(((seqs[:, :-1] > 0) & (seqs[:, 1:] > 0)).any(axis=1)))
    sampled = n_items > cfg.full_softmax_max_items
    if sampled:
        owned = UserItems(users, items, n_users, device)
        negatives = SharedNegatives(items, n_items, cfg.softmax_negatives, cfg.softmax_sampling, rng, device)

    def run_epoch(opt):
        total, count = torch.zeros(()), 0
        shuffled = trainable[torch.as_tensor(rng.permutation(len(trainable)))]
        for s in range(0, len(shuffled), cfg.batch_size):
            rows = shuffled[s:s + cfg.batch_size]
            x, y = inputs[rows], targets[rows]
            width = int((x > 0).sum(1).max())
            x, y = x[:, -width:].to(device), y[:, -width:].to(device)
            valid = (x > 0) & (y > 0)
            hidden, target = model.encode(x)[valid], y[valid] - 1
            if sampled:
                loss = _sampled_sequence_loss(model, hidden, target, rows.to(device), valid, owned, negatives,
                                              cfg.temperature)
            else:
                loss = nn.functional.cross_entropy(model.item_logits(hidden), target)
            _step(opt, loss)
            n = int(valid.sum())
            total += loss.detach().cpu() * n
            count += n
        return float(total) / max(count, 1)

    return fit_epochs(model, run_epoch, cfg, device, validate, on_epoch, epochs)


def _sampled_sequence_loss(model, hidden: torch.Tensor, target: torch.Tensor, users: torch.Tensor,
                           valid: torch.Tensor, owned: UserItems, negatives: SharedNegatives,
                           temperature: float) -> torch.Tensor:
    """Mean cross-entropy of each position's next item among [it, the batch's negatives]: one
    (positions x k) product. A negative that is one of the user's items (the target, or any
    other item of the history, earlier or later) is masked for all of that user's positions."""
    neg, log_kq = negatives.draw()
    own = owned.mask(users, neg, model.n_items)                      # (users, k)
    own = own[:, None, :].expand(-1, valid.shape[1], -1)[valid]      # (positions, k)
    pos_logit = (hidden * model.item_vectors(target)).sum(-1, keepdim=True)
    neg_logit = hidden @ model.item_vectors(neg).T
    if log_kq is not None:
        neg_logit = neg_logit - log_kq
    logits = torch.cat([pos_logit, neg_logit.masked_fill(own, float("-inf"))], dim=1) / temperature
    return (torch.logsumexp(logits, dim=1) - logits[:, 0]).mean()


def fit_epochs(model: nn.Module, run_epoch: Callable, cfg: TrainConfig, device: torch.device,
               validate: Callable[[TorchScorer], dict] | None, on_epoch: Callable[[int, dict], None] | None,
               epochs: int | None, trained_start: bool = False) -> TrainResult:
    """The epoch loop every model shares: Adam, per-epoch validation, early stopping on
    validation NDCG@10 and the weights of the best epoch at the end. `epochs` (None: the
    config's) may be 0 for a trained start that no epoch of fine-tuning improved."""
    # fused: one kernel over all parameters instead of a loop of small ops; the same algorithm,
    # 7x faster per step on CPU (5.5 ms against 40 ms for the full-sample GMF's 4M parameters,
    # benchmarks/recsys_speed_benchmark.py), where the dense Adam update of every embedding row
    # dominated an epoch.
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay, fused=True)
    result, best_state, stale = TrainResult(), None, 0
    if validate is not None and trained_start:
        model.eval()
        record = {"epoch": 0, **{f"val_{k}": v for k, v in validate(TorchScorer(model, device)).items()}}
        result.best_ndcg, best_state = record["val_ndcg@10"], copy.deepcopy(model.state_dict())
        result.history.append(record)
        if on_epoch is not None:
            on_epoch(0, record)
    for epoch in range(1, (cfg.epochs if epochs is None else epochs) + 1):
        start = time.perf_counter()
        model.train()
        loss = run_epoch(opt)
        record = {"epoch": epoch, "loss": loss, "seconds": time.perf_counter() - start}
        if validate is not None:
            record.update({f"val_{k}": v for k, v in validate(TorchScorer(model, device)).items()})
            if record["val_ndcg@10"] > result.best_ndcg:
                result.best_ndcg, result.best_epoch, stale = record["val_ndcg@10"], epoch, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                stale += 1
        result.history.append(record)
        if on_epoch is not None:
            on_epoch(epoch, record)
        if validate is not None and stale >= cfg.patience:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    else:
        result.best_epoch = sum(1 for r in result.history if r["epoch"] > 0)
    return result


def _step(opt, loss: torch.Tensor) -> None:
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


def _bce_epoch(model, opt, users, items, n_items, cfg, weights, rng, device, state) -> float:
    """One epoch of log loss over the positives and `cfg.negatives` fresh negatives each."""
    neg_u, neg_i = sample_training_negatives(users, state["positives"], n_items, cfg.negatives, rng)
    u = torch.as_tensor(np.concatenate([users, neg_u]), device=device)
    i = torch.as_tensor(np.concatenate([items, neg_i]), device=device)
    y = torch.cat([torch.ones(len(users)), torch.zeros(len(neg_u))]).to(device)
    w = None
    if weights is not None:  # a negative carries the weight of the positive it was drawn for
        w = torch.as_tensor(np.concatenate([weights, np.repeat(weights, cfg.negatives)]), device=device)
    perm = torch.as_tensor(rng.permutation(len(y)), device=device)
    loss_fn = nn.BCEWithLogitsLoss(reduction="none")
    total = torch.zeros((), device=device)
    for s in range(0, len(perm), cfg.batch_size):
        idx = perm[s:s + cfg.batch_size]
        loss = loss_fn(model(u[idx], i[idx]), y[idx])
        loss = (loss * w[idx]).mean() if w is not None else loss.mean()
        if cfg.l2:
            loss = loss + cfg.l2 * model.l2_penalty(u[idx], i[idx])
        if cfg.l2_output:
            loss = loss + cfg.l2_output * model.out.weight.pow(2).sum()
        _step(opt, loss)
        total += loss.detach() * len(idx)
    return float(total) / max(len(perm), 1)


def _softmax_epoch(model, opt, users, items, n_items, cfg, weights, rng, device, state) -> float:
    """One epoch of sampled softmax: each batch's positives against shared negatives, the
    users' own items among those masked out."""
    u_all = torch.as_tensor(users, device=device)
    i_all = torch.as_tensor(items, device=device)
    w_all = torch.as_tensor(weights, device=device) if weights is not None else None
    perm = torch.as_tensor(rng.permutation(len(users)), device=device)
    total = torch.zeros((), device=device)
    for s in range(0, len(perm), cfg.batch_size):
        idx = perm[s:s + cfg.batch_size]
        neg, log_kq = state["negatives"].draw()
        u, i = u_all[idx], i_all[idx]
        pos_logit = model(u, i)[:, None]
        neg_logit = model.score_items(u, neg)
        if log_kq is not None:
            neg_logit = neg_logit - log_kq
        neg_logit = neg_logit.masked_fill(state["owned"].mask(u, neg, n_items), float("-inf"))
        logits = torch.cat([pos_logit, neg_logit], dim=1) / cfg.temperature
        loss = torch.logsumexp(logits, dim=1) - logits[:, 0]
        loss = (loss * w_all[idx]).mean() if w_all is not None else loss.mean()
        if cfg.l2:
            loss = loss + cfg.l2 * model.l2_penalty(u, i)
        if cfg.l2_output:
            loss = loss + cfg.l2_output * model.out.weight.pow(2).sum()
        _step(opt, loss)
        total += loss.detach() * len(idx)
    return float(total) / max(len(perm), 1)
