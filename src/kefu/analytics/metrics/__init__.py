"""Metrics: the dictionary (`dictionary.METRICS`), the pure formulas (`compute`) and the scoped
reads that feed them (`queries`). See docs/metrics.md."""
