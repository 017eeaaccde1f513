"""Coaching (辅导): tasks for an agent with their lead, from a review, an appeal outcome or a score
trend, until a later review on the same criteria shows the effect (docs/quality-calibration.md).

Modules: `focus` (the pure focus score), `services` (writes), `selectors` (reads), `api`, `views`.
"""
