//! Loading a program: ELF parsing, checking, mapping, and the initial stack.
//!
//! `load` builds a complete new address space from an executable in the
//! initrd and reports where to start it. It never touches the caller's
//! current address space, so `exec` can fail at any point and the caller
//! carries on as before; only when `load` succeeds does `exec` swap the new
//! space in (see `syscall/process.rs`).
//!
//! An executable is untrusted input. Before mapping anything we check:
//! it is a 64-bit little-endian x86-64 executable (`ENOEXEC` otherwise);
//! every loadable segment fits inside the file and inside user space, below
//! the heap limit, without overflow, and overlaps no other segment; and the
//! entry point lies in an executable segment.

use crate::mem::PAGE_SIZE;
use crate::mem::address_space::{AddressSpace, USER_STACK_BOTTOM};
use crate::mem::page_table::{NO_EXECUTE, WRITABLE};
use crate::mem::user::{UserPtr, UserRange};
use crate::mem::{align_down, align_up};
use alloc::string::String;
use alloc::vec::Vec;
use elf::ElfBytes;
use elf::abi::{EM_X86_64, ET_EXEC, PF_W, PF_X, PT_LOAD};
use elf::endian::LittleEndian;
use elf::file::Class;
use libsys::Errno;
use libsys::abi::{MAX_ARGS, USER_BASE, USER_STACK_TOP};

/// Segments must end this far below the stack (room for the heap).
const SEGMENT_LIMIT: u64 = USER_STACK_BOTTOM - (64 << 20);
/// At most this many loadable segments.
const MAX_SEGMENTS: usize = 16;

/// A loaded program, ready to run.
pub struct Image {
    pub space: AddressSpace,
    pub entry: u64,
    pub stack_pointer: u64,
    pub argc: u64,
    pub argv: u64,
}

/// One checked loadable segment.
struct Segment {
    virt: u64,
    mem_size: u64,
    file_offset: u64,
    file_size: u64,
    flags: u32,
}

impl Segment {
    fn pages(&self) -> (u64, u64) {
        (
            align_down(self.virt, PAGE_SIZE),
            align_up(self.virt + self.mem_size, PAGE_SIZE),
        )
    }
}

// ANCHOR: check
/// Parses and checks the program headers of `file`.
fn check(file: &[u8]) -> Result<(u64, Vec<Segment>), Errno> {
    let elf = ElfBytes::<LittleEndian>::minimal_parse(file).map_err(|_| Errno::ENOEXEC)?;
    let header = &elf.ehdr;
    if header.class != Class::ELF64 || header.e_machine != EM_X86_64 || header.e_type != ET_EXEC {
        return Err(Errno::ENOEXEC);
    }
    let mut segments = Vec::new();
    for ph in elf
        .segments()
        .ok_or(Errno::ENOEXEC)?
        .iter()
        .filter(|ph| ph.p_type == PT_LOAD)
    {
        let file_end = ph.p_offset.checked_add(ph.p_filesz).ok_or(Errno::ENOEXEC)?;
        let mem_end = ph.p_vaddr.checked_add(ph.p_memsz).ok_or(Errno::ENOEXEC)?;
        let fits_file = file_end <= file.len() as u64 && ph.p_filesz <= ph.p_memsz;
        let fits_memory = ph.p_vaddr >= USER_BASE && mem_end <= SEGMENT_LIMIT;
        if !fits_file || !fits_memory || segments.len() == MAX_SEGMENTS {
            return Err(Errno::ENOEXEC);
        }
        segments.push(Segment {
            virt: ph.p_vaddr,
            mem_size: ph.p_memsz,
            file_offset: ph.p_offset,
            file_size: ph.p_filesz,
            flags: ph.p_flags,
        });
    }
    // No two segments may share a page: each page has one set of permissions.
    segments.sort_unstable_by_key(|s| s.virt);
    for pair in segments.windows(2) {
        if pair[0].pages().1 > pair[1].pages().0 {
            return Err(Errno::ENOEXEC);
        }
    }
    let entry = header.e_entry;
    let entry_ok = segments
        .iter()
        .any(|s| s.flags & PF_X != 0 && (s.virt..s.virt + s.mem_size).contains(&entry));
    if segments.is_empty() || !entry_ok {
        return Err(Errno::ENOEXEC);
    }
    Ok((entry, segments))
}
// ANCHOR_END: check

// ANCHOR: load
/// Builds the address space for the program in `file`, with `args` on its stack.
pub fn load(file: &[u8], args: &[String]) -> Result<Image, Errno> {
    let (entry, segments) = check(file)?;
    let mut space = AddressSpace::new()?;
    let mut end = 0;
    for segment in &segments {
        let mut flags = 0;
        if segment.flags & PF_W != 0 {
            flags |= WRITABLE;
        }
        if segment.flags & PF_X == 0 {
            flags |= NO_EXECUTE;
        }
        let (first, last) = segment.pages();
        space.map_zeroed(first, last, flags)?;
        let start = segment.file_offset as usize;
        let bytes = &file[start..start + segment.file_size as usize];
        space.write_while_loading(segment.virt, bytes)?;
        end = end.max(last);
    }
    space.set_heap_start(end);
    space.map_stack()?;
    let (stack_pointer, argv) = push_arguments(&space, args)?;
    Ok(Image {
        space,
        entry,
        stack_pointer,
        argc: args.len() as u64,
        argv,
    })
}
// ANCHOR_END: load

// ANCHOR: arguments
/// Copies the arguments onto the new stack, as C's `main(argc, argv)` expects:
///
/// ```text
/// USER_STACK_TOP → "hello\0" "world\0" ...    the strings
///                  argv[argc] = 0
///                  argv[argc-1] ... argv[0]    pointers to the strings
/// stack pointer →  (16-byte aligned, = argv)
/// ```
fn push_arguments(space: &AddressSpace, args: &[String]) -> Result<(u64, u64), Errno> {
    if args.len() > MAX_ARGS {
        return Err(Errno::E2BIG);
    }
    let mut sp = USER_STACK_TOP;
    let mut pointers = Vec::with_capacity(args.len() + 1);
    // `exec` has bounded the arguments (MAX_ARGS strings, MAX_ARG_BYTES in
    // all), so this arithmetic stays well inside the 64 KiB stack.
    for arg in args {
        sp -= arg.len() as u64 + 1;
        let string = UserRange::new(sp, arg.len() + 1)?;
        space.copy_out(string, arg.as_bytes())?;
        space.copy_out(string.part(arg.len(), 1), &[0])?;
        pointers.push(sp);
    }
    pointers.push(0); // argv[argc]
    sp = align_down(sp - 8 * pointers.len() as u64, 16);
    space.write_slice(UserPtr::new(sp), &pointers)?;
    Ok((sp, sp))
}
// ANCHOR_END: arguments
