"""Parameters of loyalty profiles and substitutability: ``configs/loyalty/profile.toml``.

Every weight is a number of pseudo-observations of the latent attachment rate
described in :mod:`substitute.loyalty.profile`: 1.0 is worth one ordinary
purchase of the customer's brand. The file is validated at load; a misspelt
key fails with the file name.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from substitute.errors import ConfigError

__all__ = [
    "DecisionConfig",
    "OfferWeights",
    "PriorConfig",
    "ProfileConfig",
    "PurchaseWeights",
    "ReviewWeights",
    "SubstitutabilityConfig",
    "default_profile_config_path",
    "load_profile_config",
]


class _Spec(BaseModel):
    # A misspelt key in a retailer's file fails at load instead of being ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class PriorConfig(_Spec):
    """The category's Beta prior on the attachment rate."""

    strength: Annotated[float, Field(gt=0)] | Literal["auto"] = Field(
        default="auto", description='pseudo-purchases of the prior, or "auto" (method of moments)'
    )
    strength_min: float = Field(default=2.0, gt=0)
    strength_max: float = Field(default=20.0, gt=0)
    fallback_strength: float = Field(default=4.0, gt=0, description="when a category has too few customers")
    fallback_mean: float = Field(default=0.5, ge=0, le=1, description="when a category has no purchases")
    min_customers: int = Field(default=20, ge=2, description="fewest customers to estimate the strength")

    @model_validator(mode="after")
    def _ordered(self) -> PriorConfig:
        if self.strength_min > self.strength_max:
            raise ValueError("prior.strength_min must not exceed prior.strength_max")
        return self


class PurchaseWeights(_Spec):
    """How much each purchase says about attachment."""

    decay: float = Field(
        default=0.5, gt=0, le=1, description="weight factor per later purchase (1 = no forgetting)"
    )
    premium_weight: float = Field(
        default=2.0, ge=0, description="a purchase of the brand when a cheaper one was on offer"
    )
    deal_weight: float = Field(
        default=0.25, ge=0, description="a purchase of the brand when it was the cheapest"
    )
    colour_variant_weight: float = Field(
        default=1.0, ge=0, description="extra, for the same model in a colour not bought before"
    )
    model_repeat_weight: float = Field(
        default=0.5, ge=0, description="extra, for the same model in a colour bought before"
    )
    price_tolerance: float = Field(
        default=0.005, ge=0, lt=1, description="relative gap under which two prices count as equal"
    )


class ReviewWeights(_Spec):
    """The customer's own reviews, as labelled by :mod:`substitute.loyalty.reviews`."""

    weight: float = Field(
        default=2.0, ge=0, description="pseudo-purchases per psychological or behavioural review"
    )


class OfferWeights(_Spec):
    """Substitute offers the customer accepted or declined before."""

    accepted_other_brand: float = Field(default=1.5, ge=0, description="behavioural evidence")
    declined_other_brand: float = Field(default=0.5, ge=0, description="psychological evidence")
    accepted_same_brand: float = Field(default=0.5, ge=0, description="psychological evidence")
    declined_same_brand: float = Field(
        default=0.0, ge=0, description="behavioural evidence (none by default)"
    )


class DecisionConfig(_Spec):
    """Thresholds that turn the posterior into a type."""

    psychological_above: float = Field(default=0.6, gt=0, lt=1)
    behavioral_below: float = Field(default=0.4, gt=0, lt=1)
    # 0.5: claim a type only when the customer's own evidence weighs at least
    # as much as the category prior (E >= s).
    min_confidence: float = Field(default=0.5, ge=0, lt=1)

    @model_validator(mode="after")
    def _ordered(self) -> DecisionConfig:
        if self.behavioral_below > self.psychological_above:
            raise ValueError("decision.behavioral_below must not exceed decision.psychological_above")
        return self


class SubstitutabilityConfig(_Spec):
    """Dirichlet smoothing of review label shares toward the category's."""

    prior_strength: Annotated[float, Field(gt=0)] | Literal["auto"] = Field(default="auto")
    strength_min: float = Field(default=2.0, gt=0)
    strength_max: float = Field(default=50.0, gt=0)
    fallback_strength: float = Field(default=10.0, gt=0)
    min_units: int = Field(default=20, ge=2)


class ProfileConfig(_Spec):
    """Everything :func:`substitute.loyalty.profile.loyalty_profiles` reads."""

    prior: PriorConfig = PriorConfig()
    purchases: PurchaseWeights = PurchaseWeights()
    reviews: ReviewWeights = ReviewWeights()
    offers: OfferWeights = OfferWeights()
    decision: DecisionConfig = DecisionConfig()
    substitutability: SubstitutabilityConfig = SubstitutabilityConfig()


def default_profile_config_path() -> Path:
    """``<settings config dir>/loyalty/profile.toml``."""
    from substitute.settings import default_config_dir

    return default_config_dir() / "loyalty" / "profile.toml"


def load_profile_config(path: Path | str | None = None) -> ProfileConfig:
    """Read and validate a profile configuration file.

    Parameters
    ----------
    path
        The TOML file; default :func:`default_profile_config_path`. A missing
        default file gives the code defaults; a missing explicit file is an
        error.

    Returns
    -------
    ProfileConfig

    Raises
    ------
    ConfigError
        The file is not valid TOML or has an unknown key or a bad value.
    """
    explicit = path is not None
    file = Path(path) if path is not None else default_profile_config_path()
    if not file.is_file():
        if explicit:
            raise ConfigError(f"{file}: no such profile configuration; pass an existing profile.toml")
        return ProfileConfig()
    try:
        with file.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML ({exc}); fix the file") from exc
    try:
        return ProfileConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{file}: {exc}") from exc
