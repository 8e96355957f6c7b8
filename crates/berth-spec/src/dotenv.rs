//! The `.env` file syntax, exactly as Docker Compose reads it.
