//! Merging compose files: one rule per attribute path (`services.*.ports` merge by key, `command` replaces, ...), `!reset`/`!override`, unicity.
