"""Names of the grouping keys, apart from the grouping code so that the CLI can offer
them without importing numpy and pandas."""

TIME_KEYS = ("interval", "day", "interval_of_day")
LABEL_KEYS = ("queue", "channel", "reason", "agent_group", "partner")
KEYS = TIME_KEYS + LABEL_KEYS
AGENT_LABEL_KEYS = ("agent_group", "partner")  # label keys the agent-state table carries
