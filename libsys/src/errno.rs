//! Error numbers. A failing system call returns `-errno` in `rax`.
//!
//! The values are Linux's, so a student can compare with `man 3 errno`.

macro_rules! errno_table {
    ($( $name:ident = $value:literal, $text:literal; )*) => {
        /// Why a system call failed.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(i32)]
        pub enum Errno {
            $( #[doc = $text] $name = $value, )*
        }

        impl Errno {
            /// The errno for a (positive) number, if it is one we define.
            pub fn from_i32(value: i32) -> Option<Errno> {
                match value {
                    $( $value => Some(Errno::$name), )*
                    _ => None,
                }
            }

            /// A human-readable description, as `strerror` gives.
            pub fn description(self) -> &'static str {
                match self {
                    $( Errno::$name => $text, )*
                }
            }
        }
    };
}

errno_table! {
    EPERM = 1, "operation not permitted";
    ENOENT = 2, "no such file or directory";
    ESRCH = 3, "no such process";
    EINTR = 4, "interrupted";
    EIO = 5, "input/output error";
    E2BIG = 7, "argument list too long";
    ENOEXEC = 8, "exec format error";
    EBADF = 9, "bad file descriptor";
    ECHILD = 10, "no child processes";
    EAGAIN = 11, "resource temporarily unavailable";
    ENOMEM = 12, "out of memory";
    EFAULT = 14, "bad address";
    EBUSY = 16, "device or resource busy";
    EEXIST = 17, "file exists";
    ENOTDIR = 20, "not a directory";
    EISDIR = 21, "is a directory";
    EINVAL = 22, "invalid argument";
    ENFILE = 23, "too many open files in system";
    EMFILE = 24, "too many open files";
    ENOSPC = 28, "no space left on device";
    ESPIPE = 29, "illegal seek";
    EROFS = 30, "read-only file system";
    EPIPE = 32, "broken pipe";
    ERANGE = 34, "result too large";
    ENAMETOOLONG = 36, "file name too long";
    ENOSYS = 38, "function not implemented";
    ENOTEMPTY = 39, "directory not empty";
    ENOTSOCK = 88, "not a socket";
    EPROTONOSUPPORT = 93, "protocol not supported";
    EOPNOTSUPP = 95, "operation not supported";
    EAFNOSUPPORT = 97, "address family not supported";
    EADDRINUSE = 98, "address already in use";
    ENETDOWN = 100, "network is down";
    ENETUNREACH = 101, "network unreachable";
    ECONNRESET = 104, "connection reset by peer";
    EISCONN = 106, "already connected";
    ENOTCONN = 107, "not connected";
    ETIMEDOUT = 110, "connection timed out";
    ECONNREFUSED = 111, "connection refused";
    EALREADY = 114, "operation already in progress";
    EINPROGRESS = 115, "operation in progress";
}

impl Errno {
    /// The value a system call returns for this error.
    pub fn as_return(self) -> isize {
        -(self as i32 as isize)
    }

    /// Splits a raw system-call return into a value or an error.
    pub fn check(ret: isize) -> Result<usize, Errno> {
        if ret >= 0 {
            Ok(ret as usize)
        } else {
            Err(Errno::from_i32(-ret as i32).unwrap_or(Errno::EINVAL))
        }
    }
}

impl core::fmt::Display for Errno {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        write!(f, "{:?} ({})", self, self.description())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_return_value() {
        for errno in [Errno::EFAULT, Errno::ENOSYS, Errno::ECONNREFUSED] {
            assert_eq!(Errno::check(errno.as_return()), Err(errno));
        }
        assert_eq!(Errno::check(42), Ok(42));
        assert_eq!(Errno::check(0), Ok(0));
    }

    #[test]
    fn linux_values() {
        assert_eq!(Errno::EFAULT as i32, 14);
        assert_eq!(Errno::ENOSYS as i32, 38);
        assert_eq!(Errno::from_i32(2), Some(Errno::ENOENT));
        assert_eq!(Errno::from_i32(9999), None);
    }
}
