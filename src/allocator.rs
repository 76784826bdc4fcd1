//! The process's allocator: mimalloc, with its purge delay shortened.
//!
//! mimalloc gives freed memory back to the system only after a delay (v3's
//! default: 1 s). At a start, what the start built and dropped (the
//! router, the first monitoring pass's pages) is still held when the first
//! sign-in's password hash takes its 19 MiB, and the two add up. Measured
//! (`MIMALLOC_PURGE_DELAY` set from outside, runs alternated):
//!
//! | delay | `bench/run.sh` peak | monitoring, 10,000 sites (`benches/monitor.rs`) |
//! |-------|---------------------|--------------------------------------------------|
//! | 1 s   | 92–101 MB           | 2,337–2,759 full checks/s, peak 247–278 MB       |
//! | 100 ms| 86–89 MB            | 2,323–3,028 full checks/s, peak 227–259 MB       |
//! | 10 ms | 83–88 MB            | 2,251–2,406 full checks/s, peak 216–229 MB       |
//!
//! 100 ms: the start's peak well inside its 100 MB, and no cost seen in the
//! monitoring pass (10 ms cost it about a tenth: memory given back and
//! faulted in again). The API's rate was within the machine's noise at all three.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc v3's `mi_option_e` (libmimalloc-sys
/// 0.1.49 has no constant for it). Its place in the enum is checked by
/// `the_purge_delay_is_the_option_its_environment_variable_sets`.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Milliseconds before freed memory goes back to the system.
const PURGE_DELAY_MS: std::os::raw::c_long = 100;

/// Sets the purge delay, unless `MIMALLOC_PURGE_DELAY` names one (an
/// operator's choice stands). Call before any thread is started.
pub fn tune() {
    // The workspace's one exception to `unsafe_code` (denied everywhere,
    // forbidden in every library), for the measured reason above. Sound:
    // the function takes two integers, checks the index against the
    // options' range and writes one value that mimalloc reads with relaxed
    // ordering; no pointer crosses.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set_default(PURGE_DELAY, PURGE_DELAY_MS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHILD: &str = "WANGAN_ALLOCATOR_TEST_CHILD";

    /// The purge delay in force.
    fn purge_delay() -> std::os::raw::c_long {
        // As in `tune`: an integer in, an integer out.
        #[allow(unsafe_code)]
        unsafe {
            libmimalloc_sys::mi_option_get(PURGE_DELAY)
        }
    }

    /// Run by the test below in a child process: mimalloc reads its
    /// options from the environment once.
    #[test]
    #[ignore = "run in a child process by the_purge_delay_is_the_option_its_environment_variable_sets"]
    fn reports_the_purge_delay_in_force() {
        let expected = std::env::var(CHILD).unwrap_or_default();
        tune();
        assert_eq!(purge_delay().to_string(), expected);
    }

    fn child(env: Option<&str>) -> bool {
        let expected = env.unwrap_or("100");
        let mut command = std::process::Command::new(std::env::current_exe().unwrap_or_default());
        command.args(["--exact", "allocator::tests::reports_the_purge_delay_in_force", "--include-ignored"]);
        command.env(CHILD, expected).env_remove("MIMALLOC_PURGE_DELAY");
        if let Some(v) = env {
            command.env("MIMALLOC_PURGE_DELAY", v);
        }
        command.output().is_ok_and(|o| o.status.success())
    }

    #[test]
    fn the_purge_delay_is_the_option_its_environment_variable_sets() {
        // If index 15 were another option, the variable would not show there.
        assert!(child(Some("1234")), "MIMALLOC_PURGE_DELAY=1234 is not what option 15 holds");
        // And unset, the platform's value is in force.
        assert!(child(None), "the purge delay is not 100 ms");
    }
}
