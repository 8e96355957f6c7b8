//! Resolution of relative paths (build contexts, bind mounts, env_file, secrets, ...) against the project directory.
