//! Validation of a compose tree against the Compose Specification's rules (what Docker Compose checks with its JSON schema), with did-you-mean for unknown keys.
