"""A roster for people: the summary object (`--json`), the tables written to a directory,
and the text report. Figures in plain digits, hours with one decimal."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from sim.errors import InputError
from sim.staffing.rostering.roster import Roster
from sim.staffing.rostering.scenario_bridge import fragment_toml


def shift_table(roster: Roster) -> pd.DataFrame:
    """Shifts worked: team, shift type, day, start, end, breaks, agents."""
    agents = roster.agents()
    if agents.empty:
        return pd.DataFrame(columns=["team", "shift_type", "day", "start", "end", "breaks", "agents"])
    return (agents.groupby(["team", "shift_type", "day", "day_label", "start", "end", "breaks"], sort=False)
            .size().rename("agents").reset_index().drop(columns="day").rename(columns={"day_label": "day"}))


def week_table(roster: Roster) -> pd.DataFrame:
    """One row per named agent, one column per day: `08:00-16:00` or `off`."""
    agents = roster.agents()
    if agents.empty:
        return pd.DataFrame(columns=["team", "agent", "shift_type", *roster.day_labels])
    agents["shift"] = agents["start"] + "-" + agents["end"]
    wide = agents.pivot(index=["team", "agent", "shift_type"], columns="day_label", values="shift")
    return wide.reindex(columns=roster.day_labels).fillna("off").reset_index()


def summary(roster: Roster) -> dict:
    solution = roster.solution
    coverage = roster.coverage()
    return {
        "total_paid_hours": round(roster.paid_hours, 4),
        "lower_bound_paid_hours": None if roster.lower_bound_paid_hours is None
        else round(roster.lower_bound_paid_hours, 4),
        "total_cost": round(solution.objective, 4),
        "lower_bound_cost": round(solution.lower_bound, 4),
        "gap": round(roster.gap, 6),
        "solver_bound_cost": round(solution.solver_bound, 4),
        "fte": round(roster.fte, 4),
        "head_count": int(roster.patterns["agents"].sum()),
        "status": solution.status,
        "solve_s": round(solution.solve_s, 3),
        "agent_hours_short": round(float((coverage["under"] * roster.requirement.interval_s / 3600).sum()), 4),
        "patterns": [{"team": r.team, "shift_type": r.shift_type,
                      "days_worked": [roster.day_labels[d] for d in r.days_worked], "agents": int(r.agents)}
                     for r in roster.patterns.itertuples()],
        "intervals": [{"queue": r.queue, "day": int(r.day) + 1, "day_label": r.day_label,
                       "interval_start": r.interval_start, "required": float(r.required),
                       "scheduled": round(float(r.scheduled), 4)} for r in coverage.itertuples()],
    }


def write_outputs(roster: Roster, out_dir: str | os.PathLike) -> Path:
    """Write every table into `out_dir`, all at once: files go to a hidden staging
    directory first and move into place only when all are written."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"out: {out} exists and is not a directory")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        shift_table(roster).to_csv(staging / "shifts.csv", index=False)
        week_table(roster).to_csv(staging / "agents_week.csv", index=False)
        roster.agents().drop(columns="day").to_csv(staging / "agents.csv", index=False)
        patterns = roster.patterns.assign(days_worked=[
            " ".join(roster.day_labels[d] for d in days) for days in roster.patterns["days_worked"]])
        patterns.to_csv(staging / "patterns.csv", index=False)
        roster.coverage().to_csv(staging / "coverage.csv", index=False, float_format="%.6g")
        (staging / "scenario_fragment.toml").write_text(fragment_toml(roster))
        (staging / "summary.json").write_text(json.dumps(summary(roster), indent=2))
        out.mkdir(exist_ok=True)
        for written in staging.iterdir():
            os.replace(written, out / written.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def report(roster: Roster) -> str:
    """The text report: totals, bound and gap, patterns, shifts, coverage shortfalls."""
    s = summary(roster)
    lines = [f"roster: {s['head_count']:,} agents, {s['total_paid_hours']:,.1f} paid hours "
             f"= {s['fte']:,.2f} FTE ({roster.fte_paid_hours:g} paid h each)"]
    bound = (f"LP lower bound {s['lower_bound_paid_hours']:,.1f} paid hours"
             if s["lower_bound_paid_hours"] is not None else f"LP lower bound cost {s['lower_bound_cost']:,.1f}")
    lines.append(f"cost {s['total_cost']:,.1f}; {bound}; gap {s['gap']:.2%}; "
                 f"{s['status']} in {s['solve_s']:.2f} s")
    if s["status"] != "optimal":
        lines.append(f"the solver's own bound is cost {s['solver_bound_cost']:,.1f}: the best roster "
                     f"is at most {1 - s['solver_bound_cost'] / s['total_cost']:.2%} above the optimum")
    lines.append("")
    lines.append("working-day patterns:")
    for p in s["patterns"]:
        team = f"{p['team']}: " if p["team"] else ""
        lines.append(f"  {team}{p['shift_type']}: {p['agents']} agents work {' '.join(p['days_worked'])}")
    lines.append("")
    lines.append("shifts (agents starting; breaks in shifts.csv):")
    starts = shift_table(roster).groupby(["team", "shift_type", "day", "start", "end"], sort=False)["agents"].sum()
    lines.append(starts.reset_index().to_string(index=False))
    coverage = roster.coverage()
    under = coverage[coverage["under"] > 1e-9]
    lines.append("")
    if under.empty:
        over = (coverage["over"] * roster.requirement.interval_s / 3600).sum()
        lines.append(f"coverage: every interval covered; {over:,.1f} agent-hours over the requirement")
    else:
        lines.append(f"coverage: {len(under)} intervals under-covered (under_coverage_penalty):")
        lines.append(under[["queue", "day_label", "interval_start", "required", "scheduled"]]
                     .to_string(index=False))
    return "\n".join(lines)

