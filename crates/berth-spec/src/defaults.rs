//! Default values Docker Compose fills in before validation and paths.
