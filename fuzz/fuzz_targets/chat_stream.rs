//! libFuzzer entry point; the checks live in `minitoolai_fuzz::chat_stream` (see FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| minitoolai_fuzz::chat_stream(data));
