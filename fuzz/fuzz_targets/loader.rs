//! Fuzz target: arbitrary bytes (read as lossy UTF-8) through the YAML reader and, when that
//! succeeds, through the whole single-file loader. Any panic, overflow, stack overflow or
//! runaway allocation is a bug; errors are fine.
#![no_main]

use std::path::Path;

use berth_spec::{loader, yaml, Environment};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(docs) = yaml::parse_str("fuzz.yaml", &text) else { return };
    // Consuming the whole tree makes sure every node was built and can be dropped.
    let total: usize = docs.iter().map(|d| d.to_json().to_string().len()).sum();
    std::hint::black_box(total);
    // A working directory that holds nothing, so relative paths in the input find nothing.
    let dir = Path::new("/nonexistent/berth-fuzz");
    let _ = std::hint::black_box(loader::load_from_str("compose.yaml", &text, Environment::new(), dir));
});
