//! `include`: loading other compose projects into this one.
