"""How a parameter is declared: default, bounds, unit, meaning, source, role and prior.

Every number that shapes the model's dynamics is declared once with :func:`P`, so
the schema can say for each one what it means, where it comes from, who sets it
and what range of values is believable:

- **role** says who sets it. ``LEVER``: what a firm controls (coaching, price,
  marketing). ``FACT``: what a firm or a study knows and sets exactly
  (employees, wage, market size). ``UNKNOWN``: a causal weight nobody can read
  off a balance sheet (how strongly coaching feeds engagement); these are what
  ``cxsim fit`` calibrates, and what-if answers are reported over their
  posterior.
- **prior** is the range of values we believe before seeing a firm's data
  (defaults to the bounds); the bounds are what the code accepts.
- **source** is where the number or the mechanism comes from (docs/model.md and
  docs/validation.md cite them in full).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

LEVER = "lever"
FACT = "fact"
UNKNOWN = "unknown"
Role = Literal["lever", "fact", "unknown"]

# Short source tags used across the schema; docs/model.md gives each in full.
PRACTICE = "CX practice (docs/model.md)"
ASSUMED = "assumed"
CALIBRATED = "calibrated to the going-concern ranges and published evidence (docs/validation.md)"


def P(
    default: Any,
    lo: float | None = None,
    hi: float | None = None,
    *,
    unit: str,
    doc: str,
    source: str,
    role: Role = UNKNOWN,
    prior: tuple[float, float] | None = None,
):
    """A parameter: default, inclusive bounds, unit, meaning, source note, role and prior range."""
    kwargs: dict[str, Any] = {}
    if lo is not None:
        kwargs["ge"] = lo
    if hi is not None:
        kwargs["le"] = hi
    if isinstance(default, bool):
        kwargs["strict"] = True  # a switch is true or false: not "yes", 1 or "on"
    extra: dict[str, Any] = {"unit": unit, "source": source, "role": role}
    if prior is not None:
        if (lo is not None and prior[0] < lo) or (hi is not None and prior[1] > hi) or prior[0] > prior[1]:
            raise ValueError(f"prior {prior} does not lie within the bounds [{lo}, {hi}]")
        if not prior[0] <= default <= prior[1]:
            raise ValueError(f"default {default} lies outside its prior {prior}")
        extra["prior"] = list(prior)
    return Field(default, description=doc, json_schema_extra=extra, **kwargs)


def check_ratio_products(section: BaseModel, prefix: str, names: list[str]) -> None:
    """A 'base' probability times its engaged/promoter 'ratio' must stay a probability."""
    for name in names:
        base, ratio = getattr(section, f"{name}_base"), getattr(section, f"{name}_ratio")
        if base * ratio > 1.0:
            raise ValueError(
                f"{prefix}.{name}_base x {prefix}.{name}_ratio = {base * ratio:.3g} must be <= 1 "
                f"(it is the probability for the happiest/most engaged); lower one of them"
            )


class Section(BaseModel):
    """Base of every scenario section: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
