"""Human quality review: scorecards, sampling and assignment, the review workspace, appeals.

Modules by subject: `scorecards` (scorecards and each client's rules), `sampling` (the nightly
sample and the distribution to inspectors), `reviewing` (answering and submitting a review),
`appeals` (申诉/复核); `services` re-exports their writes, `selectors` holds every read.
"""
