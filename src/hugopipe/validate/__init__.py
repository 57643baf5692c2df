"""Validate a Hugo site before it ships: rules on the built output, the source, and external links.

See ``hugopipe.validate.rules.RULES`` for the catalogue and
``hugopipe.validate.config`` for the ``[validate]`` table of ``hugopipe.toml``.
"""

from hugopipe.validate.api import validate_public, validate_site, validate_source
from hugopipe.validate.external import check_external
from hugopipe.validate.findings import Finding, ValidationReport
from hugopipe.validate.rules import RULES, Rule

__all__ = [
    "RULES",
    "Finding",
    "Rule",
    "ValidationReport",
    "check_external",
    "validate_public",
    "validate_site",
    "validate_source",
]
