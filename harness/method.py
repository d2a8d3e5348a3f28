"""What a run compared and checked, taken from its config: the report's Method section.

Recorded with the run (RunStarted.method) so the report describes the rules the run
actually applied, whatever pair the config describes.
"""

from __future__ import annotations

from typing import Any

from comparisons import EntitySpec, InvariantSpec
from harness.config import Config


def method_of(config: Config) -> dict[str, Any]:
    """Entities with their rules, invariants with their descriptions, the unit of work."""
    return {
        "unit": config.source.unit.to_dict() if config.source.unit else None,
        "invariants_title": config.invariants_title,
        "regression_factor": config.regression_factor,
        "entities": [_entity(spec) for spec in config.entities],
        "invariants": [_invariant(spec) for spec in config.invariants],
        "cases": [case.to_dict() for case in config.cases],
        "compare": config.compare.to_dict(),
    }


def _entity(spec: EntitySpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "key": list(spec.key),
        "ignore": list(spec.ignore),
        "context": list(spec.context),
        "tolerances": dict(spec.tolerances),
        "minor_unit_decimals": spec.minor_unit_decimals,
        "normalizers": {column: str(rule) for column, rule in spec.normalizers.items()},
        "derived_from": spec.derived_from or None,
    }


def _invariant(spec: InvariantSpec) -> dict[str, Any]:
    return {"name": spec.name, "description": spec.description}
