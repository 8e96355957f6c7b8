//! Decoding a `Node` tree into typed values with serde, keeping file, line and YAML path in every error.
