//! Fuzz target: arbitrary bytes (read as lossy UTF-8) through the YAML reader. Any panic,
//! overflow, stack overflow or runaway allocation is a bug; errors are fine.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(docs) = berth_spec::yaml::parse_str("fuzz.yaml", &text) {
        // Consuming the whole tree makes sure every node was built and can be dropped.
        let total: usize = docs.iter().map(|d| d.to_json().to_string().len()).sum();
        std::hint::black_box(total);
    }
});
