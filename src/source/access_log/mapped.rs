//! Plain log files read through memory maps, a window at a time: the parser reads the page
//! cache directly, so the copy `read` makes (as much time as the parsing itself on one core)
//! is gone, while memory stays bounded by the window.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::ptr::NonNull;

/// Part of a file mapped read-only; unmapped when dropped.
pub struct Mapped {
    ptr: NonNull<libc::c_void>,
    len: usize,
    /// Where the asked-for bytes start within the mapping (the map starts on a page).
    skip: usize,
}

impl Mapped {
    /// Bytes `[offset, offset + len)` of `file`, which must lie within it.
    pub fn new(file: &File, offset: u64, len: usize) -> io::Result<Mapped> {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as u64;
        let start = offset - offset % page;
        let skip = (offset - start) as usize;
        let total = skip + len;
        if len == 0 {
            return Ok(Mapped {
                ptr: NonNull::dangling(),
                len: 0,
                skip: 0,
            });
        }
        let at = libc::off_t::try_from(start)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "offset too large"))?;
        // SAFETY: a fresh private read-only mapping of an open file; the kernel picks the
        // address. Errors come back as MAP_FAILED.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                total,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_POPULATE,
                file.as_raw_fd(),
                at,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `ptr` is the mapping just made, `total` bytes long. The advice only tunes
        // read-ahead; failing it is harmless.
        unsafe { libc::madvise(ptr, total, libc::MADV_SEQUENTIAL) };
        let ptr = NonNull::new(ptr).ok_or_else(io::Error::last_os_error)?;
        Ok(Mapped {
            ptr,
            len: total,
            skip,
        })
    }

    pub fn bytes(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: the mapping is `len` readable bytes, alive as long as `self`.
        unsafe {
            &std::slice::from_raw_parts(self.ptr.as_ptr().cast::<u8>(), self.len)[self.skip..]
        }
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        if self.len > 0 {
            // SAFETY: the mapping made in `new`, unmapped once, here.
            unsafe { libc::munmap(self.ptr.as_ptr(), self.len) };
        }
    }
}
