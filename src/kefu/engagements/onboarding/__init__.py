"""Onboarding a new engagement: the checklist both sides work through, the quick-phrase import,
the gradual handover of the client's traffic, the break-in period, and the risk register with the
due-diligence checklist (docs/engagements-onboarding.md)."""
