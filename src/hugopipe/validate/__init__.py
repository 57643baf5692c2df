"""Validate a Hugo site before it ships: rules on the built output, the source, and external links.

Where things are:

- ``rules``: the catalogue (id, severities, hint); ``findings``: ``Finding`` (made with
  ``Finding.of(rule, file, message, line=, url=)``) and the report;
  ``config``: the ``[validate]`` table of ``hugopipe.toml``.
- Rules on one page: ``page_rules`` (SEO, accessibility, emptiness), ``references``
  (links and assets), ``leaks`` (E1). Whole-site rules: ``engine.site_rules``,
  ``sitemap``, ``robots``, ``publication``. Source rules: ``source``; external links:
  ``external``.
- The scan: ``engine`` (the process pool) runs ``extract`` (the parse loop) in workers,
  which send ``records.Page`` records; ``lexbor_reuse`` parses pages into one document;
  ``sitescan.Scan`` files the records for the whole-site rules.
- Entry points: ``api`` (library and Prefect tasks), through ``fastpath`` (every speed
  trick of ``hugopipe validate``, with its measured gain).
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
