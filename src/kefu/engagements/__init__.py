"""Engagements: the commercial life of an outsourcing relationship (docs/engagements.md).

Intake and quotes (`quoting/`), contracts with SLA terms (`contracts/`), onboarding, handover and
risk (`onboarding/`). Each sub-domain is a sub-package with its own models, services, selectors
and interfaces, as `workforce/rostering/` is; `models.py` gathers the models for Django.
"""
