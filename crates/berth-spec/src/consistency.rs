//! Cross-reference checks: undefined networks, volumes, secrets, configs; dependency cycles.
