//! `extends`: inheriting a service from the same file or another one, chained, with relative paths rebased.
