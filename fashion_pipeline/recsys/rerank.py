"""Fashion-sense re-ranking of a model's top-N candidates.

Per user, over the model's best `candidates` unseen items:
1. occasion filter: only items for the asked occasion are candidates (applied before the top-N,
   so K items come back whenever the catalogue has K unseen items for that occasion);
2. relevance: the model's scores, min-max scaled to 0..1 within the user's candidates;
3. minus `repeat_penalty` where the item repeats a style-colour-pattern the user already bought;
4. plus `harmony_bonus` x the share of the user's recent purchases whose colour goes with the
   item's (recsys.harmony's rule);
5. maximal marginal relevance: items are picked one at a time, each maximising
   adjusted relevance - `diversity` x (highest similarity to an item already picked), where
   similarity mixes image-feature cosine and shared attributes (category, colour, pattern, occasion).

Every step works on (users x candidates) arrays for a batch of users at once. A weight of 0
turns its part off; `RerankConfig.scaled(t)` scales them all (the benchmark's curve).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import polars as pl
import scipy.sparse as sp

from fashion_pipeline import columns as C
from fashion_pipeline.recsys.attributes import ATTRIBUTES, aligned_attributes, attribute_codes
from fashion_pipeline.recsys.data import PairSet, user_item_matrix
from fashion_pipeline.recsys.harmony import COLOUR_NAMES, HARMONY_KIND, KIND_NAMES, NONE, colour_index


@dataclass(frozen=True)
class RerankConfig:
    # Candidates taken from the model per user: room to replace demoted repeats from inside the
    # model's own list (20, 50 and 100 gave identical lists on the sample; larger costs time).
    candidates: int = 100
    # Weights below were chosen on the sample's VALIDATION split (GMF; `rerank_benchmark.py --grid`:
    # repeat penalty 0.1-0.3 x diversity 0-0.2): the largest cut in repeats that keeps validation NDCG@10 within
    # 5% of the model's own ranking (repeat rate 0.081 -> 0.032, NDCG@10 -4.5%); a penalty of 0.3
    # cost 6.8%. Test-split figures are in benchmarks/rerank_benchmark.py and the README.
    #
    # Subtracted from the 0..1 relevance of an item whose style-colour-pattern the user already
    # bought. Not larger: sample users do rebuy one now and then (about 9% of held-out purchases),
    # so pushing every repeat out of the list costs accuracy.
    repeat_penalty: float = 0.2
    # MMR weight of the similarity to items already in the list (0 = plain ranking). 0.1 also
    # raised validation NDCG@10 a little (lists that cover more of a user's tastes hit more often).
    diversity: float = 0.1
    # How much image features count in the MMR similarity; the rest is shared attributes.
    image_weight: float = 0.5
    # Added (x the share of recent purchases it goes with) for an item whose colour matches the
    # user's recent purchases: a nudge among near-equals, not a jump over better items (0.02-0.1
    # moved validation NDCG@10 by less than 1%).
    harmony_bonus: float = 0.02
    # Recent purchases the harmony bonus looks at (most recent first).
    recent: int = 5
    # Only items for this occasion (casual, formal, sport, party); None = all.
    occasion: str | None = None

    def scaled(self, t: float) -> "RerankConfig":
        """Every weight times t: 0 is the model's own ranking, 1 this config."""
        return replace(self, repeat_penalty=self.repeat_penalty * t, diversity=self.diversity * t,
                       harmony_bonus=self.harmony_bonus * t)

    @property
    def active(self) -> bool:
        return bool(self.repeat_penalty or self.diversity or self.harmony_bonus or self.occasion)


@dataclass
class ItemSense:
    """What the re-ranker knows about each item index."""

    key: np.ndarray  # (n_items,) style-colour-pattern id; -1 when any of the three is unknown
    colour: np.ndarray  # (n_items,) index into COLOUR_NAMES; -1 unknown
    occasion: np.ndarray  # (n_items,) occasion name or None
    features: np.ndarray  # (n_items, d) rows whose dot product is the MMR similarity (0..1)

    @property
    def n_items(self) -> int:
        return len(self.key)


def item_sense(attributes: pl.DataFrame, item_ids: np.ndarray, image_vectors: np.ndarray | None = None,
               image_weight: float = RerankConfig.image_weight) -> ItemSense:
    """Build from the item_attributes table and, optionally, image vectors aligned to `item_ids`
    (unit rows; zero rows for items without an image)."""
    codes = attribute_codes(attributes, item_ids)
    n = len(item_ids)
    style, colour, pattern = codes[C.OCCASION], codes[C.COLOUR], codes[C.PATTERN]
    known = (style >= 0) & (colour >= 0) & (pattern >= 0)
    key = np.where(known, (style * 1000 + colour) * 1000 + pattern, -1)
    frame = aligned_attributes(attributes, item_ids)
    # one-hot of each known attribute, scaled so that the dot product is the share of the four
    # attributes two items have in common
    blocks = []
    for name in ATTRIBUTES:
        c = codes[name]
        block = np.zeros((n, max(1, len(codes[f"{name}_values"]))), dtype=np.float32)
        block[np.flatnonzero(c >= 0), c[c >= 0]] = 1.0 / np.sqrt(len(ATTRIBUTES))
        blocks.append(block)
    attr = np.hstack(blocks)
    if image_vectors is None:
        features = attr
    else:
        features = np.hstack([np.sqrt(image_weight) * np.asarray(image_vectors, dtype=np.float32),
                              np.sqrt(1.0 - image_weight) * attr])
    return ItemSense(key=key, colour=colour_index(frame[C.COLOUR].to_list()),
                     occasion=np.asarray(frame[C.OCCASION].to_list(), dtype=object), features=features.astype(np.float32))


@dataclass
class UserHistory:
    """What each user index already bought, as arrays over the whole user index space."""

    seen: sp.csr_matrix  # users x items
    keys: PairSet  # (user, style-colour-pattern) pairs bought
    recent_colours: np.ndarray  # (n_users, recent) colour index of the latest purchases; -1 pads

    @classmethod
    def build(cls, users: np.ndarray, items: np.ndarray, times: np.ndarray, n_users: int, sense: ItemSense,
              recent: int = RerankConfig.recent) -> "UserHistory":
        seen = user_item_matrix(users, items, n_users, sense.n_items)
        key = sense.key[items]
        has = key >= 0
        keys = PairSet(users[has], key[has] + 1, int(sense.key.max()) + 2 if len(sense.key) else 1)
        order = np.lexsort((-times, users))  # per user, latest first
        u = users[order]
        first = np.searchsorted(u, u, side="left")
        pos = np.arange(len(u)) - first
        keep = pos < recent
        recent_colours = np.full((n_users, recent), -1, dtype=np.int64)
        recent_colours[u[keep], pos[keep]] = sense.colour[items[order][keep]]
        return cls(seen, keys, recent_colours)

    def repeats(self, users: np.ndarray, key: np.ndarray) -> np.ndarray:
        """(B, N) True where the item's style-colour-pattern is one the user bought."""
        b = np.broadcast_to(users[:, None], key.shape)
        return (key >= 0) & self.keys.contains(b.ravel(), key.ravel() + 1).reshape(key.shape)


@dataclass
class Reranked:
    items: np.ndarray  # (B, k) item indices, -1 where fewer than k candidates exist
    scores: np.ndarray  # (B, k) the model's score of each
    model_rank: np.ndarray  # (B, k) 1-based rank in the model's own list
    repeat: np.ndarray  # (B, k) bool
    harmony_kind: np.ndarray  # (B, k) NONE / NEUTRAL / ANALOGOUS / COMPLEMENTARY with a recent buy
    harmony_colour: np.ndarray  # (B, k) colour index of that recent purchase, -1 none
    variety: np.ndarray  # (B, k) bool: picked over a more relevant candidate, for diversity


def candidate_lists(model, users: np.ndarray, seen: sp.csr_matrix, n: int, allowed: np.ndarray | None = None,
                    batch_size: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """The model's top-n unseen items per user ((B, n) items, scores; -inf scores where the
    catalogue ran out); with `allowed` (bool per item), only those items."""
    from fashion_pipeline.recsys.recommend import top_k

    scorer = model if allowed is None else _Masked(model, allowed)
    return top_k(scorer, users, seen, k=n, batch_size=batch_size)


class _Masked:
    def __init__(self, model, allowed: np.ndarray):
        self.model, self.blocked = model, ~np.asarray(allowed, dtype=bool)

    def score(self, users):
        s = np.array(self.model.score(users), dtype=np.float32)
        s[:, self.blocked] = -np.inf
        return s


def occasion_mask(sense: ItemSense, occasion: str | None) -> np.ndarray | None:
    if occasion is None:
        return None
    known = {o for o in sense.occasion if o is not None}
    if occasion not in known:
        raise ValueError(f"no item has occasion {occasion!r}: choose from {', '.join(sorted(known))}")
    return sense.occasion == occasion


def rerank(users: np.ndarray, cand_items: np.ndarray, cand_scores: np.ndarray, history: UserHistory,
           sense: ItemSense, config: RerankConfig, k: int) -> Reranked:
    """Re-rank each user's candidates ((B, N), best first) into a list of k (see module doc)."""
    B, N = cand_items.shape
    k = min(k, N)
    rows = np.arange(B)
    valid = np.isfinite(cand_scores) & (cand_items >= 0)
    if config.occasion is not None:
        valid &= sense.occasion[np.maximum(cand_items, 0)] == config.occasion
    s = cand_scores.astype(np.float64)
    any_valid = valid.any(axis=1, keepdims=True)
    lo = np.where(any_valid, np.where(valid, s, np.inf).min(axis=1, keepdims=True), 0.0)
    hi = np.where(any_valid, np.where(valid, s, -np.inf).max(axis=1, keepdims=True), 0.0)
    with np.errstate(invalid="ignore"):
        rel = np.where(valid, (s - lo) / np.where(hi > lo, hi - lo, 1.0), -np.inf)

    items_safe = np.maximum(cand_items, 0)
    repeat = history.repeats(users, sense.key[items_safe])
    colour = sense.colour[items_safe]
    recent = history.recent_colours[users]  # (B, R)
    kind = np.where((colour[:, :, None] >= 0) & (recent[:, None, :] >= 0),
                    HARMONY_KIND[np.maximum(colour, 0)[:, :, None], np.maximum(recent, 0)[:, None, :]], NONE)
    n_recent = (recent >= 0).sum(axis=1, keepdims=True)
    harmony = (kind != NONE).sum(axis=2) / np.maximum(n_recent, 1)
    first_match = (kind != NONE).argmax(axis=2)  # the most recent purchase it goes with
    best_kind = np.take_along_axis(kind, first_match[:, :, None], axis=2)[:, :, 0]
    best_colour = np.where(best_kind != NONE, np.take_along_axis(recent, first_match, axis=1), -1)

    adjusted = rel - config.repeat_penalty * repeat + config.harmony_bonus * harmony
    if config.diversity:
        f = sense.features[items_safe]  # (B, N, d)
        sim = np.einsum("bnd,bmd->bnm", f, f, optimize=True)
    max_sim = np.zeros((B, N))
    taken = ~valid  # invalid candidates are never picked
    picks = np.full((B, k), -1, dtype=np.int64)
    variety = np.zeros((B, k), dtype=bool)
    for step in range(k):  # k greedy steps, each over every user of the batch at once
        mmr = np.where(taken, -np.inf, adjusted - config.diversity * max_sim)
        j = mmr.argmax(axis=1)
        ok = np.isfinite(mmr[rows, j])
        best_plain = np.where(taken, -np.inf, adjusted).argmax(axis=1)
        picks[:, step] = np.where(ok, j, -1)
        variety[:, step] = ok & (j != best_plain) & (adjusted[rows, j] < adjusted[rows, best_plain])
        taken[rows[ok], j[ok]] = True
        if config.diversity:
            max_sim = np.maximum(max_sim, sim[rows, :, j])
    got = picks >= 0
    p = np.maximum(picks, 0)

    def take(a, fill):
        return np.where(got, np.take_along_axis(a, p, axis=1), fill)

    return Reranked(items=take(cand_items, -1), scores=take(cand_scores, np.nan).astype(np.float32),
                    model_rank=np.where(got, p + 1, -1), repeat=take(repeat, False),
                    harmony_kind=take(best_kind, NONE), harmony_colour=take(best_colour, -1),
                    variety=variety & got)


def recommend(model, users: np.ndarray, history: UserHistory, sense: ItemSense, config: RerankConfig, k: int = 10,
              batch_size: int = 512) -> Reranked:
    """Re-ranked top-k for `users` (unseen items per `history.seen`); K model items when inactive."""
    allowed = occasion_mask(sense, config.occasion)
    parts = []
    for start in range(0, len(users), batch_size):
        batch = users[start:start + batch_size]
        n = config.candidates if config.active else k
        items, scores = candidate_lists(model, batch, history.seen, max(n, k), allowed, batch_size=batch_size)
        parts.append(rerank(batch, items, scores, history, sense, config, k))
    return Reranked(*(np.concatenate([getattr(p, f) for p in parts]) for f in Reranked.__dataclass_fields__))


def reasons(result: Reranked, config: RerankConfig) -> np.ndarray:
    """One sentence per (user, position), flattened row-major: why the item is there."""
    flat = {name: getattr(result, name).ravel() for name in ("model_rank", "repeat", "harmony_kind",
                                                             "harmony_colour", "variety")}
    df = pl.DataFrame({
        "rank": flat["model_rank"],
        "repeat": flat["repeat"],
        "kind": np.asarray(KIND_NAMES, dtype=object)[flat["harmony_kind"]],
        "colour": np.asarray(("",) + COLOUR_NAMES, dtype=object)[flat["harmony_colour"] + 1],
        "variety": flat["variety"],
    })
    if config.occasion:  # ranks count only that occasion's items
        parts = [pl.format(f"model rank {{}} among {config.occasion} items", pl.col("rank"))]
    else:
        parts = [pl.format("model rank {}", pl.col("rank"))]
    if config.harmony_bonus:
        parts.append(pl.when(pl.col("kind") == "neutral").then(pl.lit("neutral colour, goes with anything"))
                     .when(pl.col("kind") != "").then(pl.format("{} to your recent {}", pl.col("kind"), pl.col("colour"))))
    if config.repeat_penalty:
        parts.append(pl.when(pl.col("repeat")).then(pl.lit("repeats a style-colour-pattern you bought"))
                     .otherwise(pl.lit("new style-colour-pattern for you")))
    if config.diversity:
        parts.append(pl.when(pl.col("variety")).then(pl.lit("picked for variety")))
    return df.select(pl.concat_str(parts, separator="; ", ignore_nulls=True).alias("r"))["r"].to_numpy()


class RerankedScorer:
    """A Scorer whose ranking is the re-ranked one: candidates in re-ranked order above every
    other item, the rest in model order. Lets evaluation.evaluate measure a re-ranked model.

    `history` must describe the stage evaluated (its `seen` is what the candidates exclude).
    """

    def __init__(self, model, history: UserHistory, sense: ItemSense, config: RerankConfig):
        self.model, self.history, self.sense, self.config = model, history, sense, config

    def score(self, users: np.ndarray) -> np.ndarray:
        scores = np.array(self.model.score(users), dtype=np.float32)
        if not self.config.active:
            return scores
        n = self.config.candidates
        cand, cand_scores = candidate_lists(self.model, users, self.history.seen, n,
                                            occasion_mask(self.sense, self.config.occasion))
        n = cand.shape[1]  # fewer than `candidates` in a catalogue smaller than that
        result = rerank(users, cand, cand_scores, self.history, self.sense, self.config, n)
        finite = np.where(np.isfinite(scores), scores, np.nan)
        top = np.nanmax(finite, axis=1, keepdims=True)
        boosted = top + 1.0 + (n - np.arange(n))[None, :]  # first pick highest
        rows = np.repeat(np.arange(len(users)), n).reshape(len(users), n)
        ok = result.items >= 0
        scores[rows[ok], result.items[ok]] = boosted[ok]
        return scores
