"""ccplan: contact-center simulation and staffing planner."""
