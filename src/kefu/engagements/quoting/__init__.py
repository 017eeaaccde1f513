"""Intake, staffing estimate, cost model, pricing and quotes; RFQs and their comparison.

Pure cores (no Django): `intake` (the intake and cost-model shapes and their checks), `estimate`
(seats per channel per hour from the workforce cores), `pricing` (every pricing model from one cost
per seat) and `quote_core` (the one JSON object the CLI prints and the pages show).
"""
