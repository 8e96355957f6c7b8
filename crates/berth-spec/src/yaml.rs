//! YAML text → `Node` trees with spans (anchors, merge keys, !reset/!override, duplicate keys rejected), resolving scalars as Docker Compose's YAML library does.
