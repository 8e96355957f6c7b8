//! Which files, which directory, which project name and which environment: everything decided before the YAML is read.
