//! Files, directories and descriptors.

use crate::{TestResult, check};
use alloc::vec::Vec;
use libsys::Errno;
use libsys::abi::{
    DirEntry, FileKind, MAX_FDS, O_APPEND, O_CREATE, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, SEEK_CUR,
    SEEK_END, SEEK_SET,
};

fn err(e: Errno) -> alloc::string::String {
    alloc::format!("{e}")
}

/// Reads the whole file at `fd` from its current offset.
fn read_all(fd: usize) -> Result<Vec<u8>, Errno> {
    let mut data = Vec::new();
    let mut chunk = [0u8; 1000]; // deliberately not a power of two
    loop {
        match libsys::read(fd, &mut chunk)? {
            0 => return Ok(data),
            n => data.extend_from_slice(&chunk[..n]),
        }
    }
}

pub fn read_file_larger_than_a_page() -> TestResult {
    let fd = libsys::open("/bin/init", O_RDONLY).map_err(err)?;
    let stat = libsys::fstat(fd).map_err(err)?;
    let data = read_all(fd).map_err(err)?;
    libsys::close(fd).map_err(err)?;
    check!(stat.kind == FileKind::Regular as u8 && stat.size > 4096);
    check!(
        data.len() as u64 == stat.size,
        "read {} of {} bytes",
        data.len(),
        stat.size
    );
    check!(data.starts_with(b"\x7fELF"));
    Ok(())
}

pub fn root_is_read_only() -> TestResult {
    check!(libsys::open("/bin/init", O_WRONLY) == Err(Errno::EROFS));
    check!(libsys::open("/new-file", O_CREATE | O_WRONLY) == Err(Errno::EROFS));
    check!(libsys::mkdir("/newdir") == Err(Errno::EROFS));
    check!(libsys::unlink("/bin/init") == Err(Errno::EROFS));
    Ok(())
}

pub fn create_write_read_remove() -> TestResult {
    let path = "/tmp/usertests-file";
    let fd = libsys::open(path, O_CREATE | O_RDWR | O_TRUNC).map_err(err)?;
    check!(libsys::write(fd, b"hello, world") == Ok(12));
    check!(libsys::lseek(fd, 0, SEEK_SET) == Ok(0));
    check!(read_all(fd).map_err(err)? == b"hello, world");
    check!(libsys::fstat(fd).map_err(err)?.size == 12);
    // Overwrite in the middle, then look at the whole.
    check!(libsys::lseek(fd, 7, SEEK_SET) == Ok(7));
    check!(libsys::write(fd, b"WORLD") == Ok(5));
    check!(libsys::lseek(fd, -12, SEEK_CUR) == Ok(0));
    check!(read_all(fd).map_err(err)? == b"hello, WORLD");
    check!(libsys::lseek(fd, 0, SEEK_END) == Ok(12));
    check!(libsys::lseek(fd, -13, SEEK_END) == Err(Errno::EINVAL));
    libsys::close(fd).map_err(err)?;
    libsys::unlink(path).map_err(err)?;
    check!(libsys::open(path, O_RDONLY) == Err(Errno::ENOENT));
    Ok(())
}

pub fn append_and_truncate() -> TestResult {
    let path = "/tmp/usertests-append";
    let fd = libsys::open(path, O_CREATE | O_WRONLY | O_TRUNC).map_err(err)?;
    libsys::write(fd, b"one\n").map_err(err)?;
    libsys::close(fd).map_err(err)?;
    let fd = libsys::open(path, O_WRONLY | O_APPEND).map_err(err)?;
    libsys::write(fd, b"two\n").map_err(err)?;
    libsys::close(fd).map_err(err)?;
    let fd = libsys::open(path, O_RDONLY).map_err(err)?;
    check!(read_all(fd).map_err(err)? == b"one\ntwo\n");
    libsys::close(fd).map_err(err)?;
    let fd = libsys::open(path, O_WRONLY | O_TRUNC).map_err(err)?;
    check!(
        libsys::fstat(fd).map_err(err)?.size == 0,
        "O_TRUNC did not empty the file"
    );
    libsys::close(fd).map_err(err)?;
    libsys::unlink(path).map_err(err)?;
    Ok(())
}

pub fn directories() -> TestResult {
    libsys::mkdir("/tmp/ut-dir").map_err(err)?;
    check!(libsys::mkdir("/tmp/ut-dir") == Err(Errno::EEXIST));
    libsys::chdir("/tmp/ut-dir").map_err(err)?;
    let mut buffer = [0u8; 64];
    check!(libsys::getcwd(&mut buffer) == Ok("/tmp/ut-dir"));
    check!(libsys::getcwd(&mut buffer[..3]) == Err(Errno::ERANGE));
    // Relative paths start from the current directory.
    let fd = libsys::open("inner", O_CREATE | O_WRONLY).map_err(err)?;
    libsys::close(fd).map_err(err)?;
    let dir = libsys::open(".", O_RDONLY).map_err(err)?;
    let mut entries = [DirEntry::default(); 8];
    let n = libsys::getdents(dir, &mut entries).map_err(err)?;
    check!(n == 1 && entries[0].name() == "inner" && entries[0].kind == FileKind::Regular as u8);
    check!(
        libsys::getdents(dir, &mut entries) == Ok(0),
        "directory did not end"
    );
    check!(libsys::read(dir, &mut buffer) == Err(Errno::EISDIR));
    libsys::close(dir).map_err(err)?;
    libsys::chdir("..").map_err(err)?;
    check!(libsys::getcwd(&mut buffer) == Ok("/tmp"));
    check!(libsys::unlink("ut-dir") == Err(Errno::ENOTEMPTY));
    libsys::unlink("ut-dir/inner").map_err(err)?;
    libsys::unlink("ut-dir").map_err(err)?;
    libsys::chdir("/").map_err(err)?;
    Ok(())
}

pub fn path_errors() -> TestResult {
    check!(libsys::open("/no/such/file", O_RDONLY) == Err(Errno::ENOENT));
    check!(libsys::open("/bin/init/x", O_RDONLY) == Err(Errno::ENOTDIR));
    check!(libsys::open("/tmp", O_WRONLY) == Err(Errno::EISDIR));
    check!(libsys::chdir("/bin/init") == Err(Errno::ENOTDIR));
    check!(libsys::open("", O_RDONLY) == Err(Errno::ENOENT));
    let long = "x".repeat(300);
    check!(libsys::open(&long, O_RDONLY) == Err(Errno::ENAMETOOLONG));
    // `..` above the root stays at the root.
    let fd = libsys::open("/../../bin/../bin/init", O_RDONLY).map_err(err)?;
    libsys::close(fd).map_err(err)?;
    Ok(())
}

pub fn bad_descriptors() -> TestResult {
    let mut buffer = [0u8; 4];
    check!(libsys::read(99, &mut buffer) == Err(Errno::EBADF));
    check!(libsys::write(MAX_FDS + 5, b"x") == Err(Errno::EBADF));
    check!(libsys::close(31) == Err(Errno::EBADF));
    check!(libsys::dup(30) == Err(Errno::EBADF));
    check!(libsys::dup2(0, MAX_FDS) == Err(Errno::EBADF));
    let fd = libsys::open("/bin/init", O_RDONLY).map_err(err)?;
    check!(
        libsys::write(fd, b"x") == Err(Errno::EBADF),
        "wrote to a read-only descriptor"
    );
    libsys::close(fd).map_err(err)?;
    let fd = libsys::open("/tmp/ut-wo", O_CREATE | O_WRONLY).map_err(err)?;
    check!(
        libsys::read(fd, &mut buffer) == Err(Errno::EBADF),
        "read a write-only descriptor"
    );
    libsys::close(fd).map_err(err)?;
    libsys::unlink("/tmp/ut-wo").map_err(err)?;
    check!(
        libsys::lseek(0, 0, SEEK_SET) == Err(Errno::ESPIPE),
        "seeked the console"
    );
    Ok(())
}

pub fn descriptor_exhaustion() -> TestResult {
    let mut fds = Vec::new();
    let error = loop {
        match libsys::dup(0) {
            Ok(fd) => fds.push(fd),
            Err(e) => break e,
        }
        if fds.len() > 2 * MAX_FDS {
            break Errno::EINVAL;
        }
    };
    let count = fds.len();
    for fd in fds {
        libsys::close(fd).map_err(err)?;
    }
    check!(error == Errno::EMFILE, "dup failed with {error}");
    check!(count == MAX_FDS - 3, "got {count} descriptors beyond 0-2");
    // And they can be had again.
    let fd = libsys::dup(0).map_err(err)?;
    check!(fd == 3, "lowest free descriptor is {fd}, not 3");
    libsys::close(fd).map_err(err)?;
    Ok(())
}

pub fn dup_shares_the_offset() -> TestResult {
    let fd = libsys::open("/bin/init", O_RDONLY).map_err(err)?;
    let copy = libsys::dup(fd).map_err(err)?;
    let mut first = [0u8; 4];
    libsys::read(fd, &mut first).map_err(err)?;
    check!(
        libsys::lseek(copy, 0, SEEK_CUR) == Ok(4),
        "dup'd descriptor has its own offset"
    );
    // dup2 onto an open descriptor closes what was there.
    let other = libsys::open("/bin/hello", O_RDONLY).map_err(err)?;
    check!(libsys::dup2(fd, other) == Ok(other));
    check!(libsys::lseek(other, 0, SEEK_CUR) == Ok(4));
    check!(libsys::dup2(fd, fd) == Ok(fd));
    for d in [fd, copy, other] {
        libsys::close(d).map_err(err)?;
    }
    Ok(())
}

/// fork shares open files (and their offset); exec keeps descriptors.
pub fn fork_and_exec_share_descriptors() -> TestResult {
    let path = "/tmp/ut-shared";
    let fd = libsys::open(path, O_CREATE | O_RDWR | O_TRUNC).map_err(err)?;
    match libsys::fork().map_err(err)? {
        0 => {
            let _ = libsys::write(fd, b"child;");
            // Redirect standard output to the file, then exec: the program
            // writes into the file without knowing it.
            let _ = libsys::dup2(fd, 1);
            libsys::exec("/bin/testhelper", &["testhelper", "print", "from-exec"]);
            libsys::exit(100)
        }
        _ => {
            let (_, status) = libsys::wait().map_err(err)?;
            check!(status == 0, "child failed with {status}");
        }
    }
    libsys::write(fd, b"parent").map_err(err)?;
    libsys::lseek(fd, 0, SEEK_SET).map_err(err)?;
    let data = read_all(fd).map_err(err)?;
    libsys::close(fd).map_err(err)?;
    libsys::unlink(path).map_err(err)?;
    check!(
        data == b"child;from-exec\nparent",
        "file holds {:?}",
        core::str::from_utf8(&data)
    );
    Ok(())
}
