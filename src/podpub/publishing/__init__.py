"""The publishing pipeline: load the show once, plan every step, validate the whole plan, then
execute it. `plan`, `check` and `publish` share it (see docs/architecture.md)."""
