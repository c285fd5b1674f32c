fn main() {
    afl::fuzz!(|data: &[u8]| {
        fenceline_fuzz::readers(data);
    });
}
