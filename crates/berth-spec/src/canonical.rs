//! Short syntax → long syntax (ports, volumes, depends_on, secrets, ...), as Docker Compose's canonical transform does.
