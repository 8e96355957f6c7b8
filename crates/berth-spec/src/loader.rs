//! The per-file pipeline and the assembly of a project model from several files.
