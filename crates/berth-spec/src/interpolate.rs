//! Interpolation of a whole compose tree, then casting each value to the type its attribute needs.
