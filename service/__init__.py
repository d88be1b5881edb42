"""The use cases of the platform, one function each: access, then validation, then the act.

Two thin skins sit on this layer: `api/` (JSON for machines) and the workbench (pages for
people); the command line and the activities call it too. Nothing here imports FastAPI, and
nothing below (activities, workflows, models) imports `api/`.

- `platform`: what every use case works with (settings, database, Temporal, the rulesets and
  calendar in force, the clock).
- `errors`: the domain errors (not found, forbidden, conflict, invalid, unavailable), with
  Chinese messages and stable codes; the skins map them to their own answers.
- `access`: the caller, and who may read what: one module for every listing and every case.
- `cases` (submit, view, act, list), `submissions/` (each process's request and its checks),
  `audit`, `reports`, `dashboard`, `reference`, `catalog`, `rulesets`, `calendars`, `notices`,
  `attachments`.

Async use cases never hold a database session across a Temporal call: they read in a worker
thread (`Platform.run`), close the session, then await Temporal.
"""
