//! The typed `Project` and its parts, as Docker Compose's types; serialising it gives `config` output.
