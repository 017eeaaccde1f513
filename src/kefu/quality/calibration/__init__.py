"""Calibration (校准): a QA lead's session in which several reviewers score the same conversations
blind; closed, it reports how far they agree (docs/quality-calibration.md).

Modules: `report` (the pure statistics), `services` (writes), `selectors` (reads), `api`, `views`.
"""
