//! Where, when and how busy: the machine a figure was measured on (CPU
//! model, CPU count, operating system), the UTC day, and the load average.

use std::time::{SystemTime, UNIX_EPOCH};

/// `AMD EPYC, 2 CPUs, Debian GNU/Linux 12 (bookworm), Linux 6.1.0`, from
/// `/proc/cpuinfo`, `/etc/os-release` and the kernel release; what cannot
/// be read is said as Rust names it (`x86_64`, `linux`).
pub fn describe() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
        .map(|(_, m)| m.trim().to_owned())
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    let cpus = match cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count()
    {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|release| {
            release.lines().find_map(|l| {
                let name = l.strip_prefix("PRETTY_NAME=")?;
                Some(name.trim_matches('"').to_owned())
            })
        })
        .unwrap_or_else(|| std::env::consts::OS.to_owned());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|k| format!(", Linux {}", k.trim()))
        .unwrap_or_default();
    format!("{model}, {cpus} CPUs, {os}{kernel}").replace('|', "/")
}

/// The 1-minute load average (`/proc/loadavg`), when there is one.
pub fn load() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Today in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis();
    let mut stamp = cxtrain::emulator::rfc3339_ms(i64::try_from(ms).expect("a time"));
    stamp.truncate("YYYY-MM-DD".len());
    stamp
}
