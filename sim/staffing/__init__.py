"""Staffing math, one package: Erlang B/C/A measures (`erlang`, `erlang_a`), the smallest
staffing meeting targets and interval requirement tables (`requirements`), interval
forecasts (`forecast`), and shift rostering.

Import the module you need (`from sim.staffing.erlang import measures`): this file stays
empty so that importing one part does not load scipy for the others.
"""
