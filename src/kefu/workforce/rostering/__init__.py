"""Rostering: weekly schedules, shift templates, agent work profiles, requests, the capacity plan.

A sub-domain of workforce with its own layers; its models stay in `kefu.workforce.models` (no
migration). A newcomer's map, by role:

- pure core, no Django: `problem` (the solver's input and output types, input checks), `model`
  (the planning MIP and the labour rules in it), `engines` (HiGHS and CP-SAT behind one interface),
  `repair` (the per-agent re-deal after the MIP), `extract` (solution → shifts, breaks, spells),
  `solver` (`solve_schedule`, the one entry);
- `grid`: placed shifts, coverage and the labour rules on a placed week (no database);
- `stored`: stored rows in and out of the pure core;
- `services` (writes), `solving` (running a queued solve), `selectors` (reads), `tasks` (the
  background solve), `api`, `views`, `forms`.

Imports go one way: services → tasks → solving → stored → grid → pure core.
"""
