//! What `berth config` prints: the project as YAML or JSON, and the listing flags (--services, --variables, ...).
