"""Rostering: from an interval requirement and shift rules to a weekly roster.

    from sim.staffing.rostering import load_rules, make_roster, read_requirement
    roster = make_roster(read_requirement("req.csv"), load_rules("rules.toml"))
    roster.paid_hours, roster.coverage(), roster.agents()

`rules` validates the shift rules (TOML), `requirement` reads a `ccplan staff --csv` table,
`grid` lays both on a time grid, `milp` solves the integer programme (HiGHS), `roster`
turns the solution into tables, `scenario_bridge` into scenario agent groups, `output`
into files and reports. See docs/rostering.md.
"""

from sim.staffing.rostering.requirement import Requirement, read_requirement
from sim.staffing.rostering.roster import Roster, make_roster
from sim.staffing.rostering.rules import RosterRules, load_rules, parse_rules

__all__ = ["Requirement", "Roster", "RosterRules", "load_rules", "make_roster", "parse_rules",
           "read_requirement"]
