"""The county's own work (SPEC §15): the mediator register, file review rounds (卷宗评查) and
per-case subsidies (以案定补) — the data only. Changes go through workflows.services, pages live
in web/, endpoints in api/."""
