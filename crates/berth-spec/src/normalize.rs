//! Normalisation after loading: default network, resource names, build defaults, implied dependencies.
