//! The interpolation grammar: `$VAR`, `${VAR}`, defaults, required and alternative values, `$$`.
