//! Profiles and service selection (with dependencies).
