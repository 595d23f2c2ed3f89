"""The scenario schema: every model parameter, declared once.

A scenario is one market (``sim``, ``market`` and the behaviour sections every
firm shares: ``engagement``, ``service``, ``customers``, ``wom``,
``acquisition``, ``churn``; :mod:`cxsim.params.market`), the focal firm (the
top-level firm sections: ``leadership``, ``programs`` ... ``finance``;
:mod:`cxsim.params.firm`) and its rivals (``[rivals.<name>]``, each with its
own copy of the firm sections). Each parameter carries its default, its
allowed range, its unit, its meaning, a source note, who sets it (a lever, a
fact, or an unknown causal weight) and, for unknowns, a prior range
(:mod:`cxsim.params.base`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo

from cxsim.params.base import ASSUMED, FACT, LEVER, UNKNOWN, P, Section
from cxsim.params.firm import (
    FIRM_SECTIONS,
    Finance,
    Incentives,
    Leadership,
    Management,
    Measurement,
    Pricing,
    Process,
    Programs,
    Staffing,
    Supervisors,
    Workforce,
)
from cxsim.params.market import (
    MARKET_SECTIONS,
    Acquisition,
    Churn,
    Customers,
    Engagement,
    Market,
    Service,
    Sim,
    Wom,
)

MAX_FIRMS = 10  # the classroom game's largest market: the focal firm and nine rivals
RIVAL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,23}$")


class FirmSettings(Section):
    """Every section that describes one firm (the focal firm's are the scenario's top-level sections)."""

    leadership: Leadership = Leadership()
    programs: Programs = Programs()
    supervisors: Supervisors = Supervisors()
    incentives: Incentives = Incentives()
    workforce: Workforce = Workforce()
    staffing: Staffing = Staffing()
    process: Process = Process()
    pricing: Pricing = Pricing()
    measurement: Measurement = Measurement()
    management: Management = Management()
    finance: Finance = Finance()

    @model_validator(mode="after")
    def _voc_for_reality_check(self):
        if self.measurement.reality_check and not self.programs.voc:
            # the policy adjusts levers to what the VoC survey shows: without a survey it would silently do nothing
            raise ValueError(
                "measurement.reality_check = true needs programs.voc = true: the reality check acts on what the "
                "voice-of-customer survey shows, and without a survey there is nothing to check against"
            )
        return self


class Rival(FirmSettings):
    """A rival firm: its share of the market at week 0 and its own levers (defaults: the schema's)."""

    description: str = Field("", description="One line: who this rival is.")
    initial_share: float = P(
        0.4, 0.0, 1.0, unit="share of people", role=FACT, source=ASSUMED,
        doc="Share of the market that are this rival's customers at week 0.",
    )  # fmt: skip
    rest_of_market: bool = P(
        False, unit="switch", role=FACT, source=ASSUMED,
        doc="This rival stands in for the rest of the market: it cannot go bankrupt and it does not manage by results.",
    )  # fmt: skip


class Scenario(BaseModel):
    """A complete, validated scenario: one value for every parameter of the market, the focal firm and its rivals."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    name: str = Field("custom", description="Scenario name.")
    description: str = Field("", description="One line: what this scenario shows.")
    sim: Sim = Sim()
    market: Market = Market()
    leadership: Leadership = Leadership()
    programs: Programs = Programs()
    supervisors: Supervisors = Supervisors()
    engagement: Engagement = Engagement()
    incentives: Incentives = Incentives()
    workforce: Workforce = Workforce()
    staffing: Staffing = Staffing()
    process: Process = Process()
    service: Service = Service()
    pricing: Pricing = Pricing()
    customers: Customers = Customers()
    wom: Wom = Wom()
    acquisition: Acquisition = Acquisition()
    churn: Churn = Churn()
    measurement: Measurement = Measurement()
    management: Management = Management()
    finance: Finance = Finance()
    rivals: dict[str, Rival] = Field(
        default_factory=dict, description="Rival firms by name ([rivals.<name>] tables); each has its own levers."
    )

    @model_validator(mode="after")
    def _consistent(self):
        if self.market.mean_degree >= self.market.size:
            raise ValueError(
                f"market.mean_degree ({self.market.mean_degree}) must be smaller than market.size ({self.market.size})"
            )
        if self.measurement.reality_check and not self.programs.voc:
            # the policy adjusts levers to what the VoC survey shows: without a survey it would silently do nothing
            raise ValueError(
                "measurement.reality_check = true needs programs.voc = true: the reality check acts on what the "
                "voice-of-customer survey shows, and without a survey there is nothing to check against"
            )
        if len(self.rivals) > MAX_FIRMS - 1:
            raise ValueError(f"rivals: {len(self.rivals)} rivals; a market holds at most {MAX_FIRMS} firms in all")
        for name in self.rivals:
            if not RIVAL_NAME.match(name):
                raise ValueError(
                    f"rivals.{name}: a rival's name must be lower-case letters, digits and _, starting with a letter "
                    "(it prefixes the rival's KPI columns, e.g. rival_share)"
                )
        total = self.market.initial_customer_share + sum(r.initial_share for r in self.rivals.values())
        if total > 1.0 + 1e-9:
            raise ValueError(
                f"market.initial_customer_share + the rivals' initial_share = {total:.3g} is more than the whole market"
            )
        return self

    def firms(self) -> Iterator[tuple[str, FirmSettings, float]]:
        """``(name, settings, initial share)`` of every firm: the focal firm first (named ``""``), then each rival."""
        yield "", self.focal_settings(), self.market.initial_customer_share
        for name, rival in self.rivals.items():
            yield name, rival, rival.initial_share

    def focal_settings(self) -> FirmSettings:
        """The focal firm's sections as one :class:`FirmSettings`."""
        return FirmSettings(**{section: getattr(self, section) for section in FIRM_SECTIONS})

    # The scenario's everyday operations, as methods. They live in cxsim.scenario (which imports this module),
    # hence the imports inside them.

    def override(self, changes: Mapping[str, Any]) -> Scenario:
        """A validated copy with dotted keys changed (:func:`cxsim.scenario.override`).

        Example: ``s.override({"market.size": 1000, "incentives.cx_weight": 0.9})``.

        Raises:
            ScenarioError: an unknown key or a value the schema does not allow (the message names the key).
        """
        from cxsim.scenario import override

        return override(self, changes)

    def to_toml(self, only_changes_from: Scenario | None = None) -> str:
        """The scenario as TOML text that loads back to an equal scenario (:func:`cxsim.scenario.to_toml`).

        Args:
            only_changes_from: write ``extends = <its name>`` and only the parameters that differ from it.
        """
        from cxsim.scenario import to_toml

        return to_toml(self, only_changes_from)

    def get(self, dotted: str) -> Any:
        """The value of a dotted key, e.g. ``s.get("market.size")`` (:func:`cxsim.scenario.get`)."""
        from cxsim.scenario import get

        return get(self, dotted)

    def scale(self, factor: float) -> Scenario:
        """The same market at ``factor`` times its size, every firm shrunk alike (:func:`cxsim.scenario.scale`)."""
        from cxsim.scenario import scale

        return scale(self, factor)

    def diff(self, other: Scenario) -> dict[str, tuple[Any, Any]]:
        """Dotted keys whose values differ from ``other``'s: ``{key: (own value, other's value)}``
        (:func:`cxsim.scenario.diff`)."""
        from cxsim.scenario import diff

        return diff(self, other)


#: Every top-level section, in the order of the causal chain (rivals are not a section: see Scenario.rivals).
SECTIONS = [name for name in Scenario.model_fields if name not in ("name", "description", "rivals")]
#: The sections a rival has its own copy of.
FIRM_SECTION_NAMES = list(FIRM_SECTIONS)


def field_bounds(field: FieldInfo) -> tuple[float | None, float | None]:
    """A parameter's inclusive bounds ``(lo, hi)`` as :func:`P` declared them; None where it has none."""
    lo = hi = None
    for m in field.metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    return lo, hi


def parameters() -> Iterator[tuple[str, FieldInfo]]:
    """``(dotted key, field)`` of every parameter of the schema (the focal firm's and the market's)."""
    for section in SECTIONS:
        for key, field in Scenario.model_fields[section].annotation.model_fields.items():
            yield f"{section}.{key}", field


def parameter_table() -> list[dict[str, Any]]:
    """Every parameter as a row: key, default, bounds, unit, role, prior, source, meaning."""
    rows = []
    for key, field in parameters():
        lo, hi = field_bounds(field)
        extra = field.json_schema_extra or {}
        prior = extra.get("prior") or ([lo, hi] if extra.get("role") == UNKNOWN else None)
        rows.append(
            {
                "key": key,
                "default": field.default,
                "min": lo,
                "max": hi,
                "unit": extra.get("unit", ""),
                "role": extra.get("role", ""),
                "prior": prior,
                "source": extra.get("source", ""),
                "doc": field.description or "",
            }
        )
    return rows


def calibratable() -> dict[str, tuple[float, float]]:
    """The unknown causal weights ``cxsim fit`` can calibrate, with their prior ranges."""
    return {r["key"]: tuple(r["prior"]) for r in parameter_table() if r["role"] == UNKNOWN and r["prior"]}


__all__ = [
    "FACT",
    "FIRM_SECTIONS",
    "LEVER",
    "MARKET_SECTIONS",
    "MAX_FIRMS",
    "SECTIONS",
    "UNKNOWN",
    "FirmSettings",
    "Rival",
    "Scenario",
    "calibratable",
    "field_bounds",
    "parameter_table",
    "parameters",
]
