"""Coverage of the 95 % intervals against the exact Erlang A value (M/M/n+M).

What a replication estimates: the day's service level (answered within T / offered) of a
12-hour day at a constant arrival rate. Its expectation is the stationary Erlang A
probability up to an opening transient (the queue starts empty) and the closing minutes
(agents log off at close), each a few minutes' worth of a 720-minute day, and the ratio
bias of order 1/offered: far inside an interval's half-width (about 6 points here), so
intervals should cover the Erlang A value at the nominal rate. (Measured with 5,000
replications: the day's mean service level is 0.4 points above Erlang A's, the empty
opening queue; invisible at the size of one experiment.) 500 replications are cut
into 100 experiments of 5; the number covering is Binomial(100, 0.95) if the intervals
are right, and the test accepts what that law gives with probability above 0.001 on
either side (87..100). benchmarks/bench_experiments.py --coverage runs 1,000 experiments.
"""

from scipy import stats

from sim.experiments import local_pool, replicate
from sim.experiments.stats import coverage
from sim.kpis import KpiSettings
from sim.scenario import parse_scenario
from sim.staffing.erlang import measures

CALLS_PER_HOUR, AHT_S, AGENTS, PATIENCE_S, T_S = 60, 240, 5, 300, 20
EXPERIMENTS, REPS = 100, 5


def mmnm_day():
    return parse_scenario({
        "name": "M/M/5+M day",
        "horizon": {"days": 1, "interval_min": 30, "open_time": "08:00", "close_time": "20:00"},
        "queues": [{"name": "q", "arrivals": {"daily_volume": CALLS_PER_HOUR * 12},
                    "handle": {"dist": "exponential", "mean_s": AHT_S},
                    "patience": {"dist": "exponential", "mean_s": PATIENCE_S}}],
        "agent_groups": [{"name": "team", "serves": ["q"], "staffing": AGENTS}],
    })


def test_intervals_cover_erlang_a_at_the_nominal_rate():
    exact = measures(CALLS_PER_HOUR, AHT_S, AGENTS, T_S, PATIENCE_S)
    settings = KpiSettings(sl_threshold_s=T_S, sl_variant="answered_within_t_over_offered")
    with local_pool(2) as ex:
        runs = replicate(mmnm_day(), EXPERIMENTS * REPS, kpis=["service_level", "abandon_rate"],
                         settings=settings, executor=ex, seed=12).table
    truth = {"service_level": float(exact.service_level), "abandon_rate": float(exact.p_abandon)}
    covered = coverage(runs, truth, REPS)
    low, high = stats.binom.ppf([0.001, 0.999], EXPERIMENTS, 0.95)
    for kpi, count in covered.items():  # measured: service level 97/100, abandonment 94/100
        assert low <= count <= high, f"{kpi}: {count}/{EXPERIMENTS} intervals cover {truth[kpi]:.4f}"
