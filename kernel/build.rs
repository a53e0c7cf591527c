//! Tells the linker to use our linker script, which places the kernel at
//! -2 GiB (virtual) and at 2 MiB (physical, where the PVH door loads it).
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-arg-bins=-T{dir}/kernel.ld");
    println!("cargo:rerun-if-changed=kernel.ld");
}
