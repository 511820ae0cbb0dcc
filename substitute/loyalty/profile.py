"""Loyalty profile per customer × category: psychological, behavioural or unknown.

Model
-----
Each customer × category has a latent attachment rate ``theta``: the chance
that one of their acts in the category (a purchase, a review, an answer to a
substitute offer) expresses attachment to a brand (psychological loyalty,
DOMAIN.md §2) rather than a need, a use or a price (behavioural). Every piece
of evidence is a weighted Bernoulli observation of ``theta`` (weights in
pseudo-observations, as in a power prior, Ibrahim & Chen 2000, *Statistical
Science* 15(1)):

* purchases, from :func:`substitute.loyalty.behaviour.purchase_signals`
  (``stay`` successes, ``leave`` failures: the customer's brand bought again,
  at a premium, as another colour of the model; another brand bought);
* the customer's own reviews in the category: ``reviews.weight`` successes per
  psychological review, as many failures per behavioural one (a review is
  the customer's own statement of motive, worth more than one purchase whose
  motive is inferred); ``none`` reviews are counted but say nothing;
* past substitute offers, from :func:`substitute.loyalty.behaviour.offer_signals`.

Prior: ``theta ~ Beta(s m, s (1 - m))`` per category, with ``m`` and ``s``
fitted by the method of moments to the customers' plain counts (stays with
their brand, out of purchases after the first;
:func:`substitute.loyalty.shrinkage.fit_beta_prior`), or ``s`` fixed in
``configs/loyalty/profile.toml``.

Posterior. Purchases bring ``E_p``, their undiscounted weight, split into
successes and failures by their recency-weighted rate ``r_p = stay / (stay +
leave)``: the decay decides what the purchases say, not how much evidence they
are (otherwise a long, consistent history could never outweigh the prior).
With ``K = E_p r_p + K_reviews + K_offers`` weighted successes and ``E = E_p +
E_reviews + E_offers`` weighted observations::

    psychological = (K + s m) / (E + s)              posterior mean of theta
                  = Z (K / E) + (1 - Z) m            Bühlmann's credibility form
    confidence    = Z = E / (E + s)
    leaning       = psychological if psychological >= 0.5 else behavioral
    strength      = psychological or 1 - psychological, per the leaning
    type          = leaning if confidence >= min_confidence and
                    psychological >= psychological_above (or
                    <= behavioral_below for behavioral), else unknown

A customer with two purchases of one brand has one success: ``psychological``
stays near the category's ``m`` and ``confidence = 1 / (1 + s)`` is low, so
the type is ``unknown`` with a psychological leaning; ten purchases of one
brand give a confident psychological type.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from substitute.loyalty.behaviour import KEYS, offer_signals, purchase_signals
from substitute.loyalty.profile_config import PriorConfig, ProfileConfig
from substitute.loyalty.shrinkage import BetaPrior, fit_beta_prior
from substitute.loyalty.tables import REVIEW_LABELS, Col, check_reviews

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EVIDENCE_COLUMNS",
    "PROFILE_COLUMNS",
    "SIGNAL_COLUMNS",
    "category_priors",
    "loyalty_profiles",
    "profile_records",
    "review_counts",
]

#: The decision and its posterior.
PROFILE_COLUMNS = [
    "type",
    "leaning",
    "strength",
    "confidence",
    "psychological",
    "brand",
    "prior_mean",
    "prior_strength",
]
#: The real counts behind the decision (DOMAIN.md §5).
EVIDENCE_COLUMNS = [
    "n_purchases",
    "n_reviews_psychological",
    "n_reviews_behavioral",
    "n_reviews_none",
    "n_offers_accepted",
    "n_offers_declined",
    "evidence",
]
#: Descriptive behavioural signals, for people reading a profile.
SIGNAL_COLUMNS = [
    "n_brands",
    "top_brand_share",
    "hhi",
    "n_switches",
    "switch_rate",
    "n_model_repeats",
    "n_colour_variants",
    "n_premium",
    "n_deal",
    "n_accepted_other_brand",
    "n_declined_other_brand",
]


def review_counts(reviews: pd.DataFrame) -> pd.DataFrame:
    """Reviews per label, per customer × category.

    Parameters
    ----------
    reviews
        ``customer_id, sku, category, label`` with labels in :data:`REVIEW_LABELS`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(customer_id, category)``; columns ``n_reviews_<label>``.
    """
    import pandas as pd

    check_reviews(reviews)
    labels = pd.Categorical(reviews[Col.LABEL], categories=list(REVIEW_LABELS))
    onehot = pd.get_dummies(labels).astype(int)
    onehot.columns = [f"n_reviews_{label}" for label in REVIEW_LABELS]
    onehot.index = pd.MultiIndex.from_frame(reviews[KEYS].reset_index(drop=True))
    return onehot.groupby(level=KEYS, sort=True).sum()


def category_priors(signals: pd.DataFrame, config: PriorConfig | None = None) -> dict[Any, BetaPrior]:
    """Fit one Beta prior per category from :func:`purchase_signals` output.

    The plain counts are used, not the weighted ones: the moment estimator
    needs binomial counts, and the prior describes ``theta`` itself, whatever
    weights the evidence gets later.

    Parameters
    ----------
    signals
        Output of :func:`~substitute.loyalty.behaviour.purchase_signals`.
    config
        Prior settings; default :class:`PriorConfig`.

    Returns
    -------
    dict
        Category to :class:`~substitute.loyalty.shrinkage.BetaPrior`.
    """
    config = config or PriorConfig()
    fixed = None if config.strength == "auto" else float(config.strength)
    priors: dict[Any, BetaPrior] = {}
    if signals.empty:
        return priors
    categories = signals.index.get_level_values(Col.CATEGORY)
    for category in sorted(set(categories), key=str):
        rows = signals[categories == category]
        successes = rows["n_stays"].to_numpy()
        trials = rows["n_purchases"].to_numpy() - 1
        priors[category] = fit_beta_prior(
            successes,
            trials,
            strength=fixed,
            s_min=config.strength_min,
            s_max=config.strength_max,
            fallback_mean=config.fallback_mean,
            fallback_strength=config.fallback_strength,
            min_units=config.min_customers,
        )
    return priors


def _empty_purchases() -> pd.DataFrame:
    import pandas as pd

    from substitute.loyalty.behaviour import PURCHASE_COLUMNS

    return pd.DataFrame(columns=PURCHASE_COLUMNS, index=pd.MultiIndex.from_arrays([[], []], names=KEYS))


def loyalty_profiles(
    purchases: pd.DataFrame | None,
    reviews: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    config: ProfileConfig | None = None,
) -> pd.DataFrame:
    """Loyalty profile of every customer × category seen in any input.

    Parameters
    ----------
    purchases
        See :func:`~substitute.loyalty.behaviour.purchase_signals`; may be None
        when only reviews or offers are known.
    reviews
        Optional ``customer_id, sku, category, label``.
    events
        Optional substitute offers, see :func:`~substitute.loyalty.behaviour.offer_signals`.
    config
        Parameters; default :class:`ProfileConfig` (the code defaults, not the
        file: call :func:`~substitute.loyalty.profile_config.load_profile_config`).

    Returns
    -------
    pandas.DataFrame
        One row per ``(customer_id, category)`` (sorted), with
        :data:`PROFILE_COLUMNS`, :data:`EVIDENCE_COLUMNS` and
        :data:`SIGNAL_COLUMNS`. ``brand`` is None for a customer with no
        purchases in the category.
    """
    import pandas as pd

    config = config or ProfileConfig()
    signals = purchase_signals(purchases, config.purchases) if purchases is not None else _empty_purchases()
    priors = category_priors(signals, config.prior)
    parts = [signals.add_prefix("p_")]
    if reviews is not None:
        parts.append(review_counts(reviews))
    if events is not None:
        parts.append(offer_signals(events, config.offers).add_prefix("o_"))
    table = pd.concat(parts, axis=1, join="outer").sort_index()
    table.index = table.index.set_names(KEYS)

    def col(name: str) -> np.ndarray:
        if name not in table.columns:
            return np.zeros(len(table))
        return table[name].astype(float).fillna(0.0).to_numpy()

    n_psy, n_beh = col("n_reviews_psychological"), col("n_reviews_behavioral")
    # Purchases bring their undiscounted weight, split by the recency-weighted
    # rate: the decay decides what they say, not how much they count.
    p_evidence = col("p_evidence")
    p_seen = col("p_stay") + col("p_leave")
    with np.errstate(invalid="ignore", divide="ignore"):
        p_rate = np.where(p_seen > 0, col("p_stay") / p_seen, 0.0)
    stay = p_evidence * p_rate + config.reviews.weight * n_psy + col("o_stay")
    evidence = p_evidence + config.reviews.weight * (n_psy + n_beh) + col("o_evidence")

    fallback = BetaPrior(config.prior.fallback_mean, _fallback_strength(config.prior))
    row_priors = [priors.get(c, fallback) for c in table.index.get_level_values(Col.CATEGORY)]
    m = np.array([p.mean for p in row_priors])
    s = np.array([p.strength for p in row_priors])
    psychological = (stay + s * m) / (evidence + s)
    confidence = evidence / (evidence + s)

    decision = config.decision
    leans_psy = psychological >= 0.5
    leaning = np.where(leans_psy, "psychological", "behavioral")
    sure = confidence >= decision.min_confidence
    kind = np.where(
        sure & (psychological >= decision.psychological_above),
        "psychological",
        np.where(sure & (psychological <= decision.behavioral_below), "behavioral", "unknown"),
    )
    counts = {
        name: col(name).astype(int)
        for name in ("p_n_purchases", "o_n_offers_accepted", "o_n_offers_declined")
    }
    out = pd.DataFrame(
        {
            "type": kind,
            "leaning": leaning,
            "strength": np.where(leans_psy, psychological, 1.0 - psychological),
            "confidence": confidence,
            "psychological": psychological,
            "brand": table["p_brand"].astype(object).where(table["p_brand"].notna(), None).to_numpy(),
            "prior_mean": m,
            "prior_strength": s,
            "n_purchases": counts["p_n_purchases"],
            "n_reviews_psychological": n_psy.astype(int),
            "n_reviews_behavioral": n_beh.astype(int),
            "n_reviews_none": col("n_reviews_none").astype(int),
            "n_offers_accepted": counts["o_n_offers_accepted"],
            "n_offers_declined": counts["o_n_offers_declined"],
            "evidence": evidence,
            "n_brands": col("p_n_brands").astype(int),
            "top_brand_share": _nullable(table, "p_top_brand_share"),
            "hhi": _nullable(table, "p_hhi"),
            "n_switches": col("p_n_switches").astype(int),
            "switch_rate": _nullable(table, "p_switch_rate"),
            "n_model_repeats": col("p_n_model_repeats").astype(int),
            "n_colour_variants": col("p_n_colour_variants").astype(int),
            "n_premium": col("p_n_premium").astype(int),
            "n_deal": col("p_n_deal").astype(int),
            "n_accepted_other_brand": col("o_n_accepted_other_brand").astype(int),
            "n_declined_other_brand": col("o_n_declined_other_brand").astype(int),
        },
        index=table.index,
    )
    return out


def _fallback_strength(config: PriorConfig) -> float:
    return config.fallback_strength if config.strength == "auto" else float(config.strength)


def _nullable(table: pd.DataFrame, name: str) -> np.ndarray:
    """A float column with NaN where unknown (no purchases, or one purchase for a rate)."""
    if name not in table.columns:
        return np.full(len(table), np.nan)
    return table[name].astype(float).to_numpy()


def _number(value: Any, digits: int) -> float | None:
    value = float(value)
    return None if np.isnan(value) else round(value, digits)


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value JSON can write."""
    return value.item() if isinstance(value, np.generic) else value


def profile_records(profiles: pd.DataFrame, digits: int = 4) -> Iterator[dict[str, Any]]:
    """Profiles as plain data for JSON: the decision, then the real counts, then signals.

    Parameters
    ----------
    profiles
        Output of :func:`loyalty_profiles`.
    digits
        Rounding of rates (keeps output stable across platforms).

    Yields
    ------
    dict
        ``customer_id, category, type, leaning, strength, confidence,
        psychological, brand, prior, evidence, signals``.
    """
    for key, row in profiles.iterrows():
        customer, category = cast(tuple[Any, Any], key)
        yield {
            "customer_id": _plain(customer),
            "category": _plain(category),
            "type": row["type"],
            "leaning": row["leaning"],
            "strength": _number(row["strength"], digits),
            "confidence": _number(row["confidence"], digits),
            "psychological": _number(row["psychological"], digits),
            "brand": _plain(row["brand"]),
            "prior": {
                "mean": _number(row["prior_mean"], digits),
                "strength": _number(row["prior_strength"], digits),
            },
            "evidence": {
                "n_purchases": int(row["n_purchases"]),
                "n_reviews": {label: int(row[f"n_reviews_{label}"]) for label in REVIEW_LABELS},
                "n_offers_accepted": int(row["n_offers_accepted"]),
                "n_offers_declined": int(row["n_offers_declined"]),
                "weight": _number(row["evidence"], digits),
            },
            "signals": {
                name: (_number(row[name], digits) if isinstance(row[name], float) else int(row[name]))
                for name in SIGNAL_COLUMNS
            },
        }
