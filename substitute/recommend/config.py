"""The recommender's own configuration: ``configs/recommend.toml``, table ``[recommend]``.

The settings object (:mod:`substitute.settings`) reads only ``[substitute]``
tables, so the recommender keeps its weights here, validated by pydantic
models with ``extra="forbid"``: a misspelt key fails at load instead of being
silently ignored.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from substitute.errors import ConfigError
from substitute.settings import deep_merge

__all__ = [
    "AlsConfig",
    "BehaviouralWeights",
    "InventoryConfig",
    "LightFMConfig",
    "PsychologicalWeights",
    "RankingConfig",
    "RecommendConfig",
    "RetrievalConfig",
    "TrainingConfig",
    "load_recommend_config",
]

CONFIG_FILE = "recommend.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True, frozen=True)


class AlsConfig(_Strict):
    """Implicit ALS (Hu, Koren & Volinsky 2008) on customer × item confidences."""

    factors: int = Field(64, ge=2, le=512)
    regularization: float = Field(0.05, ge=0)
    alpha: float = Field(10.0, gt=0, description="confidence = 1 + alpha * weight")
    iterations: int = Field(15, ge=1, le=200)
    num_threads: int = Field(1, ge=0, description="0: every core (not reproducible across machines)")
    random_state: int = 42


class LightFMConfig(_Strict):
    """LightFM hybrid factorisation (Kula 2015) with the WARP loss."""

    no_components: int = Field(32, ge=2, le=512)
    epochs: int = Field(10, ge=1, le=500)
    learning_rate: float = Field(0.05, gt=0)
    item_alpha: float = Field(1e-6, ge=0)
    user_alpha: float = Field(1e-6, ge=0)
    max_sampled: int = Field(10, ge=1)
    num_threads: int = Field(1, ge=1, description="above 1 training is fast but not bit-reproducible")
    random_state: int = 42


class TrainingConfig(_Strict):
    history_days: int = Field(365, ge=7)
    half_life_days: float = Field(90.0, gt=0)
    accepted_weight: float = Field(2.0, ge=0)
    declined_weight: float = Field(1.0, ge=0)
    als: AlsConfig = AlsConfig()
    lightfm: LightFMConfig = LightFMConfig()


class InventoryConfig(_Strict):
    safety_units: float = Field(1.0, ge=0, description="units kept back at every store")
    horizon_days: int = Field(14, ge=1)
    switch_share: float = Field(0.45, ge=0, le=1)
    substitutes_sharing_demand: int = Field(3, ge=1)
    reservation_days: int = Field(14, ge=0)


class PsychologicalWeights(_Strict):
    """Tiers for brand-attached customers, and the weights that order items inside a tier."""

    same_model: float = 6.0
    reservation: float = 4.0
    same_brand: float = 2.0
    other_brand: float = 0.0
    within: dict[str, float] = Field(
        default_factory=lambda: {"als": 0.3, "content": 0.3, "lightfm": 0.2, "popularity": 0.2}
    )


class BehaviouralWeights(_Strict):
    """A weighted sum of the candidate's source scores (each in [0, 1])."""

    purpose: float = 0.25
    content: float = 0.15
    als: float = 0.25
    lightfm: float = 0.25
    popularity: float = 0.3
    history: float = 0.6
    goes_with: float = 0.15
    price_band: float = 0.1
    same_model: float = 0.1
    same_brand: float = 0.0
    reservation: float = 0.2


class RankingConfig(_Strict):
    sellout_penalty: float = Field(0.6, ge=0)
    overload_penalty: float = Field(0.5, ge=0)
    psychological_above: float = Field(0.5, ge=0, le=1)
    psychological: PsychologicalWeights = PsychologicalWeights()
    behavioural: BehaviouralWeights = BehaviouralWeights()


class RetrievalConfig(_Strict):
    """Shortlists built at training time (:mod:`substitute.recommend.retrieval`)."""

    depth: int = Field(
        150, ge=0, le=5000, description="candidates kept per item and loyalty type; 0: scan the category"
    )
    min_pool: int = Field(
        30, ge=1, description="in-stock shortlisted candidates below which a request scans the category"
    )


class RecommendConfig(_Strict):
    training: TrainingConfig = TrainingConfig()
    inventory: InventoryConfig = InventoryConfig()
    ranking: RankingConfig = RankingConfig()
    retrieval: RetrievalConfig = RetrievalConfig()


def load_recommend_config(
    config_dir: Path | None = None, overrides: dict[str, Any] | None = None
) -> RecommendConfig:
    """Read ``configs/recommend.toml`` (when present) and apply ``overrides``.

    Raises
    ------
    ConfigError
        When the file is not valid TOML or a key is unknown or out of range.
    """
    data: dict[str, Any] = {}
    path = (config_dir or Path("configs")) / CONFIG_FILE
    if path.is_file():
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh).get("recommend", {})
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file") from exc
    data = deep_merge(data, overrides or {})
    try:
        return RecommendConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: invalid recommender configuration: {exc}") from exc
