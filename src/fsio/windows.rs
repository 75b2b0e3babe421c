//! Windows' side of "only mine" and of replacing a file (docs/design.md §16): an access list for
//! the user alone on what nstba writes, a check of who else an access list lets in, and a
//! rename that waits out another program holding the target open.

use std::ffi::c_void;
use std::io;
use std::os::windows::ffi::OsStrExt as _;
use std::path::Path;
use std::ptr::null_mut;

use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, HLOCAL, LocalFree};
use windows_sys::Win32::Security::Authorization::{
    ConvertSidToStringSidW, ConvertStringSecurityDescriptorToSecurityDescriptorW,
    GetNamedSecurityInfoW, SDDL_REVISION_1, SE_FILE_OBJECT, SetNamedSecurityInfoW,
};
use windows_sys::Win32::Security::{
    ACCESS_ALLOWED_ACE, ACE_HEADER, ACL, ACL_SIZE_INFORMATION, AclSizeInformation,
    CreateWellKnownSid, DACL_SECURITY_INFORMATION, EqualSid, GetAce, GetAclInformation,
    GetSecurityDescriptorDacl, GetTokenInformation, INHERIT_ONLY_ACE, OWNER_SECURITY_INFORMATION,
    PROTECTED_DACL_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID, SECURITY_MAX_SID_SIZE,
    TOKEN_QUERY, TOKEN_USER, TokenUser, WELL_KNOWN_SID_TYPE, WinAuthenticatedUserSid,
    WinBuiltinAdministratorsSid, WinBuiltinUsersSid, WinLocalSystemSid, WinWorldSid,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

fn wide(path: &Path) -> Vec<u16> {
    path.as_os_str().encode_wide().chain(Some(0)).collect()
}

/// A SID in a buffer of our own (8-aligned, as the structures that hold one need).
struct Sid(Vec<u64>);

impl Sid {
    fn ptr(&self) -> PSID {
        self.0.as_ptr() as PSID
    }

    fn well_known(kind: WELL_KNOWN_SID_TYPE) -> io::Result<Sid> {
        let mut buf = vec![0u64; SECURITY_MAX_SID_SIZE.div_ceil(8) as usize];
        let mut size = SECURITY_MAX_SID_SIZE;
        // SAFETY: the buffer holds SECURITY_MAX_SID_SIZE bytes, as size says.
        let ok =
            unsafe { CreateWellKnownSid(kind, null_mut(), buf.as_mut_ptr().cast(), &mut size) };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Sid(buf))
    }

    /// The user this process runs as (its token's user), and that SID as text (`S-1-5-21-…`).
    fn current_user() -> io::Result<(Sid, String)> {
        // SAFETY: every pointer handed over points into a live buffer of the size given; the
        // token handle is closed and the string freed with the call its maker names.
        unsafe {
            let mut token: HANDLE = null_mut();
            if OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) == 0 {
                return Err(io::Error::last_os_error());
            }
            let mut buf = vec![0u64; 64];
            let mut len = 0u32;
            let ok = GetTokenInformation(
                token,
                TokenUser,
                buf.as_mut_ptr().cast(),
                (buf.len() * 8) as u32,
                &mut len,
            );
            CloseHandle(token);
            if ok == 0 {
                return Err(io::Error::last_os_error());
            }
            let user = &*(buf.as_ptr() as *const TOKEN_USER);
            let mut text = null_mut();
            if ConvertSidToStringSidW(user.User.Sid, &mut text) == 0 {
                return Err(io::Error::last_os_error());
            }
            let s = String::from_utf16_lossy(std::slice::from_raw_parts(text, wide_len(text)));
            LocalFree(text as HLOCAL);
            // The SID itself, copied out of the token's buffer.
            let sid_len = 8 + 4 * usize::from(*(user.User.Sid as *const u8).add(1));
            let mut own = vec![0u64; sid_len.div_ceil(8)];
            std::ptr::copy_nonoverlapping(
                user.User.Sid as *const u8,
                own.as_mut_ptr().cast(),
                sid_len,
            );
            Ok((Sid(own), s))
        }
    }
}

/// The length of a NUL-terminated wide string.
unsafe fn wide_len(p: *const u16) -> usize {
    let mut n = 0;
    // SAFETY: the caller hands a NUL-terminated string.
    while unsafe { *p.add(n) } != 0 {
        n += 1;
    }
    n
}

/// Whether this is Wine rather than Windows: Wine's ntdll exports `wine_get_version`.
pub fn under_wine() -> bool {
    use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleA, GetProcAddress};
    static WINE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WINE.get_or_init(|| {
        // SAFETY: both names are NUL-terminated; ntdll is loaded in every process.
        unsafe {
            let ntdll = GetModuleHandleA(c"ntdll.dll".as_ptr().cast());
            !ntdll.is_null() && GetProcAddress(ntdll, c"wine_get_version".as_ptr().cast()).is_some()
        }
    })
}

/// Gives `path` an access list that lets in only the user, SYSTEM and Administrators (as a
/// profile folder does), and inherits nothing from its folder: Windows' 0600 and 0700.
pub fn make_private(path: &Path, folder: bool) -> io::Result<()> {
    let (_, me) = Sid::current_user()?;
    // Folders pass the same list on to what is created in them.
    let inherit = if folder { "OICI" } else { "" };
    set_access(
        path,
        &format!("D:P(A;{inherit};FA;;;{me})(A;{inherit};FA;;;SY)"),
    )
}

/// Replaces `path`'s access list with one written in SDDL (`D:P(A;;FA;;;WD)`...).
pub fn set_access(path: &Path, sddl: &str) -> io::Result<()> {
    let sddl: Vec<u16> = sddl.encode_utf16().chain(Some(0)).collect();
    // SAFETY: the descriptor is made by the system from our string and freed below; the DACL
    // pointer points into it while it lives.
    unsafe {
        let mut sd: PSECURITY_DESCRIPTOR = null_mut();
        if ConvertStringSecurityDescriptorToSecurityDescriptorW(
            sddl.as_ptr(),
            SDDL_REVISION_1,
            &mut sd,
            null_mut(),
        ) == 0
        {
            return Err(io::Error::last_os_error());
        }
        let (mut present, mut defaulted) = (0, 0);
        let mut dacl: *mut ACL = null_mut();
        let ok = GetSecurityDescriptorDacl(sd, &mut present, &mut dacl, &mut defaulted);
        let rc = if ok == 0 {
            io::Error::last_os_error().raw_os_error().unwrap_or(1) as u32
        } else {
            SetNamedSecurityInfoW(
                wide(path).as_ptr(),
                SE_FILE_OBJECT,
                DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                null_mut(),
                null_mut(),
                dacl,
                null_mut(),
            )
        };
        LocalFree(sd as HLOCAL);
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc as i32));
        }
    }
    Ok(())
}

/// Who besides the user an access list lets in: the broad groups that let in every other
/// user of the machine.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Others {
    /// "Everyone", "Users", "Authenticated Users" that may read it.
    pub read: Vec<&'static str>,
    /// Those that may change it (write, delete, or change its access list or owner).
    pub write: Vec<&'static str>,
    /// Its owner is another user (neither the user, SYSTEM nor Administrators).
    pub foreign_owner: bool,
}

impl Others {
    pub fn any(&self) -> bool {
        !self.read.is_empty() || !self.write.is_empty() || self.foreign_owner
    }
}

const READ: u32 = 0x0001 | 0x8000_0000 | 0x1000_0000; // FILE_READ_DATA, GENERIC_READ, GENERIC_ALL
// FILE_WRITE_DATA, FILE_APPEND_DATA, DELETE, WRITE_DAC, WRITE_OWNER, GENERIC_WRITE, GENERIC_ALL
const WRITE: u32 =
    0x0002 | 0x0004 | 0x0001_0000 | 0x0004_0000 | 0x0008_0000 | 0x4000_0000 | 0x1000_0000;

/// Reads `path`'s owner and access list and says which broad groups it lets in.
pub fn others(path: &Path) -> io::Result<Others> {
    if under_wine() {
        // Wine 8 keeps no access list of its own: it reports one made from the file's Unix
        // mode (0775 for a file it was asked to make private), so what it says is not the
        // list nstba set, and the Unix mode is the Unix side's business (docs/design.md §16).
        return Ok(Others::default());
    }
    let groups = [
        (WinWorldSid, "Everyone"),
        (WinBuiltinUsersSid, "Users"),
        (WinAuthenticatedUserSid, "Authenticated Users"),
    ]
    .into_iter()
    .map(|(k, name)| Ok((Sid::well_known(k)?, name)))
    .collect::<io::Result<Vec<_>>>()?;
    let (me, _) = Sid::current_user()?;
    let trusted = [
        Sid::well_known(WinLocalSystemSid)?,
        Sid::well_known(WinBuiltinAdministratorsSid)?,
    ];
    let mut out = Others::default();
    // SAFETY: the descriptor comes from GetNamedSecurityInfoW and is freed below; the owner,
    // DACL and ACE pointers point into it while it lives, and each ACE is read as the type its
    // header names.
    unsafe {
        let (mut owner, mut dacl, mut sd): (PSID, *mut ACL, PSECURITY_DESCRIPTOR) =
            (null_mut(), null_mut(), null_mut());
        let rc = GetNamedSecurityInfoW(
            wide(path).as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION | OWNER_SECURITY_INFORMATION,
            &mut owner,
            null_mut(),
            &mut dacl,
            null_mut(),
            &mut sd,
        );
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc as i32));
        }
        if !owner.is_null()
            && EqualSid(owner, me.ptr()) == 0
            && trusted.iter().all(|t| EqualSid(owner, t.ptr()) == 0)
        {
            out.foreign_owner = true;
        }
        if dacl.is_null() {
            // No access list at all: everyone may do everything.
            out.read.push("Everyone");
            out.write.push("Everyone");
        } else {
            let mut info: ACL_SIZE_INFORMATION = std::mem::zeroed();
            GetAclInformation(
                dacl,
                (&mut info as *mut ACL_SIZE_INFORMATION).cast::<c_void>(),
                std::mem::size_of::<ACL_SIZE_INFORMATION>() as u32,
                AclSizeInformation,
            );
            for i in 0..info.AceCount {
                let mut ace: *mut c_void = null_mut();
                if GetAce(dacl, i, &mut ace) == 0 {
                    continue;
                }
                let header = &*(ace as *const ACE_HEADER);
                // ACCESS_ALLOWED_ACE_TYPE is 0; an inherit-only entry applies to children.
                if header.AceType != 0 || u32::from(header.AceFlags) & INHERIT_ONLY_ACE != 0 {
                    continue;
                }
                let allowed = &*(ace as *const ACCESS_ALLOWED_ACE);
                let sid = (&allowed.SidStart as *const u32) as PSID;
                for (group, name) in &groups {
                    if EqualSid(sid, group.ptr()) != 0 {
                        if allowed.Mask & READ != 0 && !out.read.contains(name) {
                            out.read.push(name);
                        }
                        if allowed.Mask & WRITE != 0 && !out.write.contains(name) {
                            out.write.push(name);
                        }
                    }
                }
            }
        }
        LocalFree(sd as HLOCAL);
    }
    Ok(out)
}

/// Whether an error is Windows refusing to replace or remove a file that another program
/// holds open (access denied, a sharing or lock violation).
pub fn is_held_open(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(5 | 32 | 33))
}
